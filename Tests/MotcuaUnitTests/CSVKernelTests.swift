// The CSV kernels of CByteKernels (csv_index.c) against the byte-at-a-time Swift code they
// replace on the hot path (SPEC §2.3): each kernel (scalar, SSE2, AVX2 where the CPU has it,
// and the run-time choice) splits every plain record into the cells `splitReference` gives and
// hands back every other one; `lastBoundary` finds the LFs and leaves the state that the
// byte-by-byte machine does; the UTF-8 verdict the AVX2 kernel gives on the way is
// isValidUTF8's. Inputs: random records of quoted and unquoted cells (delimiters, LF and CR LF
// inside quotes, `""`, quotes inside unquoted cells, text after a closing quote, multi-byte
// UTF-8, invalid UTF-8, bytes trimmed or not at a cell's edges), shifted so that every byte
// class falls on every 32/64-byte block edge, and random soup of the special bytes.
import XCTest
import MotcuaTestSupport
@testable import MotcuaReading

final class CSVKernelTests: XCTestCase {
    /// -1 is the run-time choice.
    let kernels: [Int32] = [-1] + (Int32(0)...2).filter(CSVRecordSplitter.hasKernel)
    /// Kernels that validate UTF-8 on the way (AVX2, and the run-time choice where it is AVX2).
    lazy var validating: Set<Int32> = CSVRecordSplitter.hasKernel(2) ? [-1, 2] : []

    /// A random CSV text: `records` records of `fields` cells, terminated by LF or CR LF (the
    /// last one sometimes not at all); `odd` is the chance of a cell that is not plain.
    func randomCSV(_ rng: inout some RandomNumberGenerator, records: Int, fields: Int, delimiter: UInt8, odd: Double,
                   shift: Int = 0) -> [UInt8] {
        let words: [[UInt8]] = ["a", "xyz", "Mã hồ sơ", "€", " ", "\t", "1.001193", "01/01/2024 00:28:39", "𝄞", "Hậu Định"].map { Array($0.utf8) }
        func text(_ n: Int) -> [UInt8] { (0..<n).flatMap { _ in words.randomElement(using: &rng)! } }
        var out: [UInt8] = Array(repeating: UInt8(ascii: "p"), count: shift)
        for r in 0..<records {
            for f in 0..<fields {
                if f > 0 { out.append(delimiter) }
                let roll = Double.random(in: 0..<1, using: &rng)
                if roll < odd {
                    switch Int.random(in: 0..<6, using: &rng) {
                    case 0: out += Array("\"a\"\"b\"".utf8)               // a doubled quote
                    case 1: out += text(1) + [0x22] + text(1)            // a literal quote
                    case 2: out += Array("\"q\"x".utf8)                   // text after a closing quote
                    case 3: out += Array("\"open".utf8)                   // maybe never closed
                    case 4: out += Array(" \"sp\"".utf8)                  // a quote after a space
                    default: out += Array("\"a\"\r".utf8)                 // a closing quote, CR, no LF
                    }
                } else if roll < 0.5 {
                    out += text(Int.random(in: 0...4, using: &rng))
                } else {
                    var inner = text(Int.random(in: 0...3, using: &rng))
                    switch Int.random(in: 0..<5, using: &rng) {
                    case 0: inner += [delimiter] + text(1)
                    case 1: inner += [0x0A] + text(1)
                    case 2: inner += [0x0D, 0x0A]
                    case 3: inner += [0x0D] + text(1)
                    default: break
                    }
                    out += [0x22] + inner + [0x22]
                }
            }
            if r == records - 1 && Bool.random(using: &rng) { break }
            out += Bool.random(using: &rng) ? [0x0A] : [0x0D, 0x0A]
            if Int.random(in: 0..<8, using: &rng) == 0 { out += [0x0A] }   // a blank line
        }
        return out
    }

    /// The records of `bytes` through `split` with `kernel`, checked record by record against
    /// `splitReference`; returns how many records the kernel split itself. With `plain`, every
    /// record that ends in an LF must be one of them (the fast path is really taken).
    @discardableResult
    func checkSplit(_ bytes: [UInt8], delimiter: UInt8, kernel: Int32, plain expectPlain: Bool = false,
                    _ label: @autoclosure () -> String) -> Int {
        let fast = CSVRecordSplitter(delimiter: delimiter, kernel: kernel)
        let slow = CSVRecordSplitter(delimiter: delimiter)
        let a = UnsafeMutablePointer<UInt8>.allocate(capacity: bytes.count + 1)
        let b = UnsafeMutablePointer<UInt8>.allocate(capacity: bytes.count + 1)
        defer { a.deallocate(); b.deallocate() }
        var plain = 0
        bytes.withUnsafeBufferPointer { buf in
            let base = buf.baseAddress!
            var p = 0
            while p < buf.count {
                let got = fast.split(base, from: p, to: buf.count, into: a)
                let want = slow.splitReference(base, from: p, to: buf.count, into: b)
                let where_ = "\(label()) kernel \(kernel) record at \(p): \(String(decoding: bytes[p..<want.next], as: UTF8.self).debugDescription)"
                XCTAssertEqual(got.next, want.next, where_)
                XCTAssertEqual(got.byteCount, want.byteCount, where_)
                XCTAssertEqual(got.lineFeeds, want.lineFeeds, where_)
                XCTAssertEqual(got.malformed, want.malformed, where_)
                XCTAssertEqual(got.cellCount, want.cellCount, where_)
                XCTAssertEqual(fast.cellCount, slow.cellCount, where_)
                for c in 0..<min(got.cellCount, want.cellCount) {
                    XCTAssertEqual(Array(UnsafeBufferPointer(start: fast.cells + fast.starts[c], count: fast.ends[c] - fast.starts[c])),
                                   Array(UnsafeBufferPointer(start: slow.cells + slow.starts[c], count: slow.ends[c] - slow.starts[c])),
                                   "\(where_) cell \(c)")
                }
                if let valid = got.validUTF8 {
                    XCTAssertEqual(valid, isValidUTF8Scalar(base + p, want.byteCount), "\(where_): UTF-8 verdict")
                }
                if fast.kernelTakes(base, from: p, to: buf.count) {
                    plain += 1
                    XCTAssertFalse(want.malformed, where_)
                    // (plain records only: a record past the cells' capacity went to the reference first)
                    if expectPlain && validating.contains(kernel) { XCTAssertNotNil(got.validUTF8, where_) }
                } else if expectPlain && base[want.next - 1] == 0x0A {
                    XCTFail("the kernel handed back a plain record: \(where_)")
                }
                if want.next <= p { XCTFail(where_); return }
                p = want.next
            }
        }
        return plain
    }

    func testSplitMatchesReferenceOnRandomRecords() {
        var rng = SplitMix64(seed: 16)
        for k in kernels {
            var plain = 0
            for round in 0..<400 {
                let delimiter: UInt8 = [0x2C, 0x3B, 0x09, 0x7C][round % 4]
                let bytes = randomCSV(&rng, records: Int.random(in: 1...12, using: &rng), fields: Int.random(in: 1...30, using: &rng),
                                      delimiter: delimiter, odd: round % 3 == 0 ? 0 : 0.03)
                plain += checkSplit(bytes, delimiter: delimiter, kernel: k, plain: round % 3 == 0, "round \(round)")
            }
            XCTAssertGreaterThan(plain, 1000, "kernel \(k)")
        }
    }

    /// Each byte class (quote, delimiter, LF, CR LF, a multi-byte character) on every offset
    /// around the 32- and 64-byte block edges: the record is shifted one byte at a time.
    func testSplitAtEveryBlockEdge() {
        var rng = SplitMix64(seed: 64)
        let cells: [String] = ["\"q,\nr\"", "plain", "\"\"", "", "\"a\r\nb\"", "ồ€𝄞", "\" t \"", "x\ry"]
        for k in kernels {
            for shift in 0..<130 {
                for _ in 0..<3 {
                    var row = cells.shuffled(using: &rng).joined(separator: ",")
                    row += Bool.random(using: &rng) ? "\n" : "\r\n"
                    // The shift is a cell of its own: a quote after it would be literal.
                    let bytes = Array((String(repeating: "p", count: shift) + "," + row + row).utf8)
                    XCTAssertEqual(checkSplit(bytes, delimiter: 0x2C, kernel: k, plain: true, "shift \(shift)"), 2,
                                   "shift \(shift): \(row.debugDescription)")
                }
                let odd = randomCSV(&rng, records: 3, fields: 8, delimiter: 0x2C, odd: 0.2, shift: shift)
                checkSplit(odd, delimiter: 0x2C, kernel: k, "odd shift \(shift)")
            }
        }
    }

    /// Invalid UTF-8 (a lone continuation, characters cut short, overlongs, a surrogate, a code
    /// point above U+10FFFF, 0xFF) in quoted and unquoted cells, at a record's end before its
    /// CR LF or LF, and in the next record only (the bytes after an LF must not count), shifted
    /// over every 32/64-byte edge: the kernel's verdict is isValidUTF8's (checked in checkSplit).
    func testUTF8VerdictAtEveryBlockEdge() {
        var rng = SplitMix64(seed: 8)
        let bad: [[UInt8]] = [[0x80], [0xC3], [0xE1, 0xBB], [0xF0, 0x9D, 0x84], [0xC0, 0xAF], [0xE0, 0x80, 0xAF],
                              [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF], [0xBB, 0x93]]
        let good: [[UInt8]] = ["ồ", "Hậu Định", "𝄞", "plain", "\"q,\nr\"", ""].map { Array($0.utf8) }
        for k in kernels {
            var invalid = 0
            for shift in 0..<130 {
                for _ in 0..<4 {
                    func row() -> [UInt8] {
                        var cells = (0..<6).map { _ in good.randomElement(using: &rng)! }
                        let b = bad.randomElement(using: &rng)!
                        let at = Int.random(in: 0..<cells.count, using: &rng)
                        switch Int.random(in: 0..<4, using: &rng) {
                        case 0: cells[at] = Array("ab".utf8) + b + Array("c".utf8)            // unquoted
                        case 1: cells[at] = [0x22] + b + Array("x,y".utf8) + [0x22]            // quoted
                        case 2: cells[cells.count - 1] = Array("end".utf8) + b                 // before the terminator
                        default: break                                                        // valid
                        }
                        return Array(cells.joined(separator: [0x2C])) + (Bool.random(using: &rng) ? [0x0A] : [0x0D, 0x0A])
                    }
                    let bytes = Array(repeating: UInt8(ascii: "p"), count: shift) + [0x2C] + row() + row()
                    XCTAssertEqual(checkSplit(bytes, delimiter: 0x2C, kernel: k, plain: true, "utf8 shift \(shift)"), 2,
                                   "shift \(shift)")
                    invalid += isValidUTF8Scalar(bytes, bytes.count) ? 0 : 1
                }
            }
            XCTAssertGreaterThan(invalid, 300, "kernel \(k)")
        }
    }

    /// Cells with bytes that are trimmed (space, tab, CR, LF) or only look like it (a control
    /// byte) at either edge, quoted and unquoted, shifted over every 32/64-byte edge: the
    /// masks' guess that a record needs trimming must never miss one.
    func testTrimAtEveryBlockEdge() {
        var rng = SplitMix64(seed: 20)
        let cells: [String] = [" a", "b ", "\tc\t", "\" q \"", "\"\nr\r\n\"", "\" \"", "\u{1}x\u{1}", "\"\u{1F}y\"", "x\ry",
                               "plain", "\"p\"", "", "ồ "]
        for k in kernels {
            for shift in 0..<130 {
                for _ in 0..<3 {
                    var row = cells.shuffled(using: &rng).prefix(Int.random(in: 1...6, using: &rng)).joined(separator: ";")
                    row += Bool.random(using: &rng) ? "\n" : "\r\n"
                    let bytes = Array((String(repeating: "p", count: shift) + ";" + row + row).utf8)
                    XCTAssertEqual(checkSplit(bytes, delimiter: 0x3B, kernel: k, plain: true, "trim shift \(shift)"), 2,
                                   "shift \(shift): \(row.debugDescription)")
                }
            }
        }
    }

    func testSplitMatchesReferenceOnSoup() {
        var rng = SplitMix64(seed: 3)
        let alphabet: [UInt8] = Array("ab\",,;\n\n\r \t\"xy".utf8) + [0xE1, 0xBB, 0x93]
        for k in kernels {
            for _ in 0..<3000 {
                let n = Int.random(in: 1...200, using: &rng)
                let bytes = (0..<n).map { _ in alphabet.randomElement(using: &rng)! }
                checkSplit(bytes, delimiter: Bool.random(using: &rng) ? 0x2C : 0x3B, kernel: k, "soup")
            }
        }
    }

    /// A record with more cells than the splitter holds goes to the reference, which grows.
    func testManyCells() {
        for k in kernels {
            let bytes = Array((String(repeating: "a,", count: 300) + "z\n" + String(repeating: "\"b\",", count: 300) + "\"z\"\n").utf8)
            checkSplit(bytes, delimiter: 0x2C, kernel: k, "many cells")
        }
    }

    /// `lastBoundary` with each kernel against the byte-by-byte machine of `firstBoundary`:
    /// the same boundary and the same state after every read, reads of random sizes.
    func testLastBoundaryKernelsMatchByteByByte() {
        var rng = SplitMix64(seed: 11)
        let alphabet: [UInt8] = Array("ab\",,;\n\n\r xy\"".utf8) + [0xC3, 0xA0]
        for k in kernels {
            for round in 0..<1500 {
                let delimiter: UInt8 = round % 2 == 0 ? 0x2C : 0x3B
                let bytes = round % 3 == 0
                    ? (0..<Int.random(in: 0...300, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
                    : randomCSV(&rng, records: Int.random(in: 1...8, using: &rng), fields: Int.random(in: 1...12, using: &rng),
                                delimiter: delimiter, odd: round % 5 == 0 ? 0 : 0.1, shift: Int.random(in: 0...64, using: &rng))
                var fast = RecordFraming(mode: .csv(delimiter: delimiter), kernel: k)
                var slow = RecordFraming(mode: .csv(delimiter: delimiter))
                var copy = bytes + [0]
                copy.withUnsafeMutableBufferPointer { b in
                    let base = b.baseAddress!
                    var at = 0
                    while at < bytes.count {
                        let to = min(bytes.count, at + Int.random(in: 1...200, using: &rng))
                        let expected = slow.lastBoundaryByteByByte(base, from: at, to: to)
                        let text = String(decoding: bytes, as: UTF8.self).debugDescription
                        XCTAssertEqual(fast.lastBoundary(base, from: at, to: to), expected, "kernel \(k) \(text) \(at)..<\(to)")
                        XCTAssertEqual(fast.state, slow.state, "kernel \(k) \(text) after \(at)..<\(to)")
                        at = to
                    }
                }
            }
        }
    }
}

extension RecordFraming {
    /// `lastBoundary` by the byte-by-byte machine of `firstBoundary`: the reference.
    mutating func lastBoundaryByteByByte(_ base: UnsafeMutablePointer<UInt8>, from: Int, to: Int) -> Int {
        var last = -1, at = from, lines = 0
        while at < to {
            let found = firstBoundary(base, from: at, to: to, lines: &lines)
            if found < 0 { break }
            last = found
            at = found + 1
        }
        return last
    }
}

/// The tests' seeded generator (the same inputs on every run).
private struct SplitMix64: RandomNumberGenerator {
    var inner: SplitMix
    init(seed: UInt64) { inner = SplitMix(seed: seed) }
    mutating func next() -> UInt64 { inner.next() }
}
