// Differential tests of the structural-index scanner (issue 16) against the recursive-descent
// reference, JSONRecordScanner: the same verdict on every line and, when accepted, the same
// slot for every §2.2 field (kind, offsets, escapes, the arrays' flags), with each stage-1
// kernel (scalar, SSE2, AVX2 where the CPU has it, and the run-time choice). Lines: JSONTestSuite
// (as given and as values inside records), the fuzz seeds' fixture lines, generator records and
// their mutations at every byte offset, random documents, nesting around the 64-level limit,
// separators at every block edge; and stage 1's positions and escape checks, each kernel against the scalar one.
// Where stage 1 validated UTF-8 on the way (AVX2, AVX-512), its verdict is compared with the
// scalar validator's.
import Foundation
import XCTest
import MotcuaTestSupport
@testable import MotcuaReading
@testable import MotcuaGenerate

final class JSONStructuralScannerTests: XCTestCase {
    let reference = JSONRecordScanner()
    let candidates: [(String, JSONStructuralScanner)] = {
        var out = [("default", JSONStructuralScanner())]
        for (name, k) in [("scalar", 0), ("sse2", 1), ("avx2", 2), ("avx512", 3)] where JSONStructuralScanner.hasKernel(Int32(k)) {
            out.append((name, JSONStructuralScanner(kernel: Int32(k))))
        }
        return out
    }()
    var compared = 0, accepted = 0, utf8Checked = 0, differences: [String] = []

    /// Scans `bytes` with every scanner; records a difference from the reference.
    func check(_ bytes: [UInt8], _ label: @autoclosure () -> String) {
        bytes.withUnsafeBufferPointer { buf in
            let want = reference.scan(buf)
            if want { accepted += 1 }
            for (name, scanner) in candidates {
                compared += 1
                let got = scanner.scan(buf)
                var same = got == want
                // A kernel that validated UTF-8 on the way must agree with the scalar validator.
                if scanner.utf8 >= 0 {
                    utf8Checked += 1
                    if (scanner.utf8 == 1) != isValidUTF8Scalar(buf.baseAddress ?? UnsafePointer(bitPattern: 1)!, buf.count) { same = false }
                }
                if same && want && !sameSlots(scanner) { same = false }
                if !same && differences.count < 8 {
                    differences.append("\(label()) [\(name)] reference \(want) got \(got): \(String(decoding: bytes.prefix(300), as: UTF8.self))")
                }
                // The same line framed and indexed in one pass (`indexLine`, NDJSON decoding):
                // ended by LF, by CR LF (both followed by bytes that must not be read) or by the
                // end of the chunk.
                guard !bytes.isEmpty, !bytes.contains(0x0A), bytes.last != 0x0D else { continue }
                let variant = compared % 3
                let framed = bytes + ([[0x0A, 0x22, 0x5C, 0x7B], [0x0D, 0x0A, 0x7B, 0x22], []] as [[UInt8]])[variant]
                framed.withUnsafeBufferPointer { fb in
                    guard fb.count <= scanner.lineCapacity else { return }
                    compared += 1
                    let lf = scanner.indexLine(fb.baseAddress!, fb.count)
                    var same = lf == [bytes.count, bytes.count + 1, bytes.count][variant]
                    let got = scanner.scanIndexedLine(UnsafeBufferPointer(start: fb.baseAddress, count: bytes.count))
                    if got != want { same = false }
                    if scanner.utf8 >= 0 {
                        utf8Checked += 1
                        if (scanner.utf8 == 1) != isValidUTF8Scalar(fb.baseAddress!, bytes.count) { same = false }
                    }
                    if same && want && !sameSlots(scanner) { same = false }
                    if !same && differences.count < 8 {
                        differences.append("\(label()) [\(name), framed \(variant)] reference \(want) got \(got) lf \(lf): \(String(decoding: bytes.prefix(300), as: UTF8.self))")
                    }
                }
            }
        }
    }

    /// Whether the scanner's slots are the reference's.
    func sameSlots(_ scanner: JSONStructuralScanner) -> Bool {
        for f in 0..<DossierField.count {
            let a = reference.slots[f], b = scanner.slots[f]
            if a.kind != b.kind || a.start != b.start || a.end != b.end || a.escaped != b.escaped || a.flag != b.flag {
                return false
            }
        }
        return true
    }

    func assertNoDifferences(_ what: String, minimum: Int) {
        XCTAssertEqual(differences, [], what)
        XCTAssertGreaterThanOrEqual(compared, minimum, what)
        print("\(what): \(compared) comparisons (\(candidates.count) scanners), \(accepted) lines accepted by the reference, \(utf8Checked) UTF-8 verdicts of stage 1 checked, \(differences.count) differences")
    }

    func testJSONTestSuite() throws {
        let dir = Harness.corpora.appendingPathComponent("json/test_parsing")
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() {
            let bytes = [UInt8](try Data(contentsOf: dir.appendingPathComponent(name)))
            var text = bytes
            while let last = text.last, last == 0x0A || last == 0x0D { text.removeLast() }
            check(bytes, name)
            check(text, name)
            for line in text.split(separator: 0x0A, omittingEmptySubsequences: false) { check(Array(line), name + " line") }
            // As a value inside a record, captured and skipped, at the top and nested.
            let record = Array(#"{"MaHoSo":"000.00.01.H56-1","TrangThaiHoSo":4,"#.utf8)
            for key in ["MaDonVi", "x", "DanhSachLePhi", "DanhSachGiayToKetQua"] {
                check(record + Array("\"\(key)\":".utf8) + text + [0x7D], "\(name) as \(key)")
                check(record + Array("\"\(key)\":[{\"Gia\":".utf8) + text + Array("}]}".utf8), "\(name) in \(key)[0].Gia")
                check(record + Array("\"\(key)\":[{\"DuongDanTepTinKetQua\":".utf8) + text + Array("}]}".utf8), "\(name) in \(key)[0].Duong…")
            }
        }
        assertNoDifferences("JSONTestSuite", minimum: 318 * 16)
    }

    func testFixtureLinesAndGeneratorRecords() throws {
        for line in try fixtureLines() + generatorLines(days: 3, perDay: 200) { check(line, "record") }
        assertNoDifferences("fixture and generator lines", minimum: 1000)
    }

    /// A record longer than several 64-byte blocks, changed at every offset 0..<len: a byte
    /// deleted, replaced by and inserted as each byte that matters to JSON; the same with the
    /// line shifted by 1…63 bytes of leading whitespace so every offset meets every block edge.
    func testMutationsAtEveryOffset() throws {
        let bytes: [UInt8] = Array(#"\"{}[]:, 0-+.eEtfnu"#.utf8) + [0x01, 0x09, 0x0D, 0x7F, 0xC3]
        let escaped = Array(#"{"MaHoSo":"000.00.01.H56-240219-0002","Ma\u0044onVi":"000.00.01.H56","TenTTHC":"Thủ tục \"khai sinh\" \\ \/ \b\f\n\r\t \ud83d\ude00","TrangThaiHoSo":"done","KenhThucHien":2,"MucDo":4.5e+1,"NgayTiepNhan":"20240219010333","HinhThuc":-0,"X":[true,false,null,{},[],[[{"a":[1,-2.5E-3]}]]],"DanhSachLePhi":[{"Gia":"1\u0030"},{"Gia":0.0},5,{"Gia":12e3,"Gia":0}],"DanhSachGiayToKetQua":[{"DuongDanTepTinKetQua":"/a.pdf"}],"HoSoCoThanhPhanSoHoa":1}"#.utf8)
        var records = [escaped]
        let generated = try generatorLines(days: 1, perDay: 40)
        records += [generated[0], generated[generated.count / 2]]
        for (r, record) in records.enumerated() {
            XCTAssertGreaterThan(record.count, 64)
            for i in 0...record.count {
                if i < record.count {
                    var d = record; d.remove(at: i); check(d, "record \(r) delete \(i)")
                }
                for b in bytes {
                    if i < record.count { var m = record; m[i] = b; check(m, "record \(r) replace \(i) by \(b)") }
                    var ins = record; ins.insert(b, at: i); check(ins, "record \(r) insert \(b) at \(i)")
                }
            }
        }
        // Block edges: the escaped record shifted, with a quote, backslash or brace put at each offset.
        for shift in 1..<64 {
            let shifted = [UInt8](repeating: 0x20, count: shift) + escaped
            check(shifted, "shift \(shift)")
            for i in stride(from: shift, to: shifted.count, by: 1) {
                for b: UInt8 in [0x22, 0x5C, 0x7D] { var m = shifted; m[i] = b; check(m, "shift \(shift) replace \(i) by \(b)") }
            }
        }
        assertNoDifferences("mutations", minimum: 1_000_000)
    }

    func testRandomDocumentsAndTheirMutations() {
        var rng = SplitMix(seed: 16)
        for doc in 0..<6000 {
            var out: [UInt8] = []
            randomObject(&rng, &out, depth: 1, top: true)
            check(out, "doc \(doc)")
            for _ in 0..<8 {
                var m = out
                let i = Int(rng.next() % UInt64(m.count))
                let b = Array(#"\"{}[]:,0 -eu"#.utf8)[Int(rng.next() % 13)]
                switch rng.next() % 3 {
                case 0: m.remove(at: i)
                case 1: m[i] = b
                default: m.insert(b, at: i)
                }
                check(m, "doc \(doc) mutated")
            }
        }
        assertNoDifferences("random documents", minimum: 100_000)
    }

    /// A ~100 KB line (the position buffer grows past its first 4096 entries) and random
    /// mutations of it.
    func testLongLine() {
        var line = Array(#"{"MaHoSo":"000.00.01.H56-1","X":["#.utf8)
        for i in 0..<2500 {
            if i > 0 { line.append(0x2C) }
            line += Array(#"{"a":"Thủ tục ạ","b":[1,2.5e3,true,null],"c":{}}"#.utf8)
        }
        line += Array(#"],"DanhSachLePhi":[{"Gia":"0"},{"Gia":12}],"TrangThaiHoSo":4}"#.utf8)
        XCTAssertGreaterThan(line.count, 100_000)
        check(line, "long line")
        var rng = SplitMix(seed: 64)
        for m in 0..<300 {
            var v = line
            v[Int(rng.next() % UInt64(v.count))] = Array(#"\"{}[]:,0 -eu"#.utf8)[Int(rng.next() % 13)]
            check(v, "long line mutation \(m)")
        }
        assertNoDifferences("long line", minimum: 300)
    }

    func testNestingAroundTheLimit() {
        for d in 60...68 {
            // Containers first in their parent and after a comma (stage 2 opens them on two paths).
            for (open, close) in [("[", "]"), ("{\"a\":", "}"), ("[0,", "]"), ("{\"a\":0,\"b\":", "}"), ("[{},", "]")] {
                let v = String(repeating: open, count: d) + "1" + String(repeating: close, count: d)
                for key in ["x", "MaHoSo", "DanhSachLePhi"] {
                    check(Array("{\"\(key)\":\(v)}".utf8), "depth \(d) \(open) \(key)")
                    check(Array("{\"\(key)\":[{\"Gia\":\(v)}]}".utf8), "depth \(d) \(open) in \(key)")
                    check(Array("{\"\(key)\":[\(v)]}".utf8), "depth \(d) \(open) element of \(key)")
                }
            }
        }
        // The limit itself: 64 levels pass, 65 do not.
        let ok = "{\"a\":" + String(repeating: "[", count: 63) + String(repeating: "]", count: 63) + "}"
        let deep = "{\"a\":" + String(repeating: "[", count: 64) + String(repeating: "]", count: 64) + "}"
        XCTAssertTrue(ok.utf8.withContiguousStorageIfAvailable { candidates[0].1.scan($0) } ?? false)
        XCTAssertFalse(deep.utf8.withContiguousStorageIfAvailable { candidates[0].1.scan($0) } ?? true)
        assertNoDifferences("nesting", minimum: 100)
    }

    /// Separators at every block edge: valid and invalid uses — doubled, missing, trailing,
    /// leading, swapped (`{"a",1:"b":2}` has as many of each as it should) — with whitespace
    /// runs of 0–65 bytes around them and the line shifted by 0–63 bytes.
    func testSeparatorsAtBlockEdges() {
        let cases = [
            #"{"a":1,"b":[1,2,{"c":"d"}],"e":{"f":null,"g":[]},"h":"i"}"#,
            #"{"a"::1}"#, #"{"a":1,,"b":2}"#, #"{"a":1,}"#, #"{"x":[1,]}"#, #"{"a" 1}"#, #"{"a":1 "b":2}"#,
            #"{"a","b"}"#, #"{"a",1:"b":2}"#, #"{"x":[1:2]}"#, #"{"x":{"a":1,"b"}}"#, #"{"a":1},"#, #",{"a":1}"#,
            #"{"a":1}:"#, #"{,"a":1}"#, #"{"x":[,1]}"#, #"{"x":[1 2]}"#, #"{"x":[1,,2]}"#, #"{"x":{"a":1,}}"#,
            #"{"x":{"a":1:2}}"#, #"{"x":[{"a":1},{"b":2}:{}]}"#, #"{"DanhSachLePhi":[{"Gia":1,}]}"#,
            #"{"DanhSachLePhi":[{"Gia":1},]}"#, #"{"DanhSachLePhi":[{"Gia",1}]}"#, #"{"DanhSachLePhi":[{"Gia":1}:{}]}"#,
            #"{"MaHoSo"," x"}"#, #"{"MaHoSo":"x":"y"}"#, #"{"x":[":",",",{":":","}]}"#,
        ]
        for text in cases {
            let bytes = Array(text.utf8)
            for run in [0, 1, 2, 62, 63, 64, 65] {
                // The run of spaces before and after every separator outside strings.
                var spaced: [UInt8] = []
                var inString = false
                for b in bytes {
                    if b == 0x22 { inString.toggle() }
                    if !inString && (b == 0x3A || b == 0x2C) {
                        spaced += [UInt8](repeating: 0x20, count: run) + [b] + [UInt8](repeating: 0x20, count: run)
                    } else {
                        spaced.append(b)
                    }
                }
                for shift in 0..<64 {
                    check([UInt8](repeating: 0x20, count: shift) + spaced, "\(text) run \(run) shift \(shift)")
                }
            }
        }
        assertNoDifferences("separators", minimum: 20_000)
    }

    /// The scanners guess each top-level key from the order learned on earlier lines
    /// (KeyOrder) and take it without reading its end only when its bytes are the guess's: a
    /// line in a learned order, then the same line with one key changed — one byte at every
    /// offset, cut short, made longer, escaped, followed by whitespace or cut by the line's
    /// end — in two orders in turn (each place then has two guesses), and in shuffled orders,
    /// keys of 0 to 40 bytes (the guess compares up to four words), each against the reference
    /// with the scanners' learning carried from line to line.
    func testKeyGuessesAgainstReference() {
        var keys = DossierField.names + ["", "a", "Ab", "GhiChu", "TaiKhoanDuocXacThucVoiVNeID", "DiaChi"]
        for n in [7, 8, 9, 15, 16, 17, 23, 24, 25, 31, 32, 33, 40] { keys.append(String(repeating: "k", count: n - 1) + "\(n % 10)") }
        let values = [#""20240102030405""#, "2", "null", #"[{"Gia":"5"}]"#, #"[{"DuongDanTepTinKetQua":"/x"}]"#, "{}", "-1.5e3", "true"]
        func line(_ ks: [String]) -> [UInt8] {
            Array(("{" + ks.enumerated().map { "\"\($1)\":\(values[$0 % values.count])" }.joined(separator: ",") + "}").utf8)
        }
        var rng = SplitMix(seed: 1_016)
        let learned = line(keys)
        for (j, key) in keys.enumerated() {
            let bytes = Array(key.utf8)
            var variants: [String] = [key + "x", key + " ", String(key.dropLast()), key + "\\u0041"]
            if let first = bytes.first { variants.append(#"\u00"# + String(first, radix: 16) + String(decoding: bytes.dropFirst(), as: UTF8.self)) }
            for i in bytes.indices {
                var b = bytes
                b[i] ^= 0x01
                variants.append(String(decoding: b, as: UTF8.self))
            }
            for v in variants {
                check(learned, "learned")
                var ks = keys
                ks[j] = v
                check(line(ks), "key \(j) as \(v)")
                // Whitespace between the key and its colon, and the line cut right after the key.
                var spaced = line(keys)
                if let colon = findKeyEnd(spaced, key) { spaced.insert(0x20, at: colon) }
                check(spaced, "key \(j) then a space")
                let cut = Array(line(Array(keys[..<j]) + [v]).dropLast(values[j % values.count].utf8.count + 2))
                check(cut, "cut after key \(j) as \(v)")
            }
        }
        // Two orders in turn (an optional member present on some lines): each key after the
        // swapped pair has two learned successors, the second guess; then each of those keys
        // changed, so that neither guess may be taken.
        for j in 0..<(keys.count - 2) {
            var swapped = keys
            swapped.swapAt(j, j + 1)
            var dropped = keys
            dropped.remove(at: j + 1)
            for order in [swapped, dropped] {
                check(learned, "learned")
                check(line(order), "order \(j)")
                check(learned, "learned again")
                check(line(order), "order \(j) again")
                for k in [j, j + 1, j + 2] where k < order.count {
                    var b = Array(order[k].utf8)
                    guard !b.isEmpty else { continue }
                    for i in [0, b.count / 2, b.count - 1] {
                        var changed = order
                        b[i] ^= 0x01
                        changed[k] = String(decoding: b, as: UTF8.self)
                        b[i] ^= 0x01
                        check(line(changed), "order \(j), key \(k) changed at \(i)")
                    }
                }
            }
        }
        for _ in 0..<300 {
            check(learned, "learned")
            var ks = keys
            for i in ks.indices.reversed() { ks.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
            check(line(Array(ks.prefix(Int(rng.next() % UInt64(ks.count + 1))))), "shuffled")
        }
        assertNoDifferences("key guesses", minimum: 10_000)
    }

    /// The offset just after `"key"` in `line`.
    func findKeyEnd(_ line: [UInt8], _ key: String) -> Int? {
        let needle = Array(("\"" + key + "\"").utf8)
        guard line.count >= needle.count else { return nil }
        for i in 0...(line.count - needle.count) where Array(line[i..<(i + needle.count)]) == needle { return i + needle.count }
        return nil
    }

    /// Stage 1 alone: every kernel's verdict, positions and escape flag against the scalar
    /// kernel's, through both entry points, on generator records, their mutations, random
    /// documents, lines dense in positions (16, 32, 48 and 64 of them in one 64-byte block:
    /// the AVX-512 kernel writes them sixteen at a time, the AVX2 kernel eight a byte of the
    /// mask) and every byte value in and out of a string, shifted across block edges.
    func testStage1PositionsAcrossKernels() throws {
        var lines = try generatorLines(days: 1, perDay: 60)
        var rng = SplitMix(seed: 316)
        for doc in 0..<3000 {
            var out: [UInt8] = []
            randomObject(&rng, &out, depth: 1, top: true)
            lines.append(out)
            var m = doc % 2 == 0 ? out : lines[Int(rng.next() % UInt64(lines.count))]
            for _ in 0..<3 {
                let i = Int(rng.next() % UInt64(m.count + 1))
                let b = Array(#"\"{}[]:,0 -eu"#.utf8)[Int(rng.next() % 13)]
                if i < m.count && rng.next() % 2 == 0 { m[i] = b } else { m.insert(b, at: i) }
            }
            lines.append(m)
        }
        for dense in ["[]", "[1,2]", "{}", "[[],[]]", "1,", "\"\","] {
            for repeats in [8, 16, 24, 32, 40, 64] {
                let body = String(repeating: dense, count: repeats)
                for shift in 0..<64 { lines.append(Array((String(repeating: " ", count: shift) + "{\"x\":[" + body + "0]}").utf8)) }
            }
        }
        // Every byte value outside and inside a string, in every lane of a block: the vector
        // kernels classify bytes by table lookups, which must not take any other byte for an
        // operator, whitespace, a quote or a backslash.
        for b in UInt8(0)...UInt8(255) {
            for shift in stride(from: 0, to: 64, by: 3) {
                let pad = [UInt8](repeating: 0x20, count: shift)
                lines.append(pad + Array(#"{"x":[1,"#.utf8) + [b] + Array("a]}".utf8))
                lines.append(pad + Array(#"{"x":"1"#.utf8) + [b] + Array(#"a"}"#.utf8))
            }
        }
        let kernels = (Int32(1)...3).filter(JSONStructuralScanner.hasKernel)
        var positions = 0, acceptedLines = 0, diffs: [String] = []
        for line in lines {
            for framed in [false, true] {
                let bytes = framed ? line + [0x0A, 0x7B, 0x22] : line
                let want = JSONStructuralScanner.stage1(kernel: 0, bytes, line: framed)
                if want.count >= 0 { acceptedLines += 1; positions += want.count }
                for (k, got) in stage1Differences(kernels, bytes, framed: framed, from: want) where diffs.count < 8 {
                    diffs.append("kernel \(k) framed \(framed) count \(got) scalar \(want.count): \(String(decoding: line.prefix(200), as: UTF8.self))")
                }
            }
        }
        XCTAssertEqual(diffs, [], "stage 1 positions")
        XCTAssertGreaterThan(acceptedLines, 4000)
        print("stage 1 positions: \(lines.count) lines × 2 entry points × \(kernels.count) kernels against the scalar one, \(acceptedLines) accepted, \(positions) positions compared, \(diffs.count) differences")
    }

    /// The kernels whose stage 1 of `bytes` differs from `want` (the scalar kernel's) in
    /// verdict, positions or escape flag, with their counts.
    func stage1Differences(_ kernels: [Int32], _ bytes: [UInt8], framed: Bool,
                           from want: (count: Int, positions: [UInt32], escapes: Bool, utf8: Int32)) -> [(Int32, Int)] {
        kernels.compactMap { k in
            let got = JSONStructuralScanner.stage1(kernel: k, bytes, line: framed)
            let same = (got.count < 0) == (want.count < 0) && (want.count < 0 || (got.count == want.count &&
                got.positions == want.positions && got.escapes == want.escapes))
            return same ? nil : (k, got.count)
        }
    }

    /// Stage 1's UTF-8 verdict, where a kernel validates on the way (AVX2, AVX-512), against the
    /// scalar validator: valid and invalid sequences (a lone continuation, a lead byte cut short,
    /// overlong forms, a surrogate, above U+10FFFF, bytes never used) at every offset across the
    /// 32- and 64-byte edges, inside and outside strings, at the line's end, and cut by the LF
    /// with continuation bytes after it (which are the next line's).
    func testStage1UTF8AtBlockEdges() {
        let kernels = (Int32(1)...3).filter(JSONStructuralScanner.hasKernel)
        let sequences: [[UInt8]] = [[0xC3, 0xA9], [0xE1, 0xBB, 0xA7], [0xF0, 0x9D, 0x84, 0x9E], [0x80], [0xBF, 0xBF],
                                    [0xE1, 0xBB], [0xF0, 0x9D, 0x84], [0xC3], [0xC0, 0xAF], [0xE0, 0x80, 0xAF],
                                    [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF],
                                    [0xC3, 0xA9, 0xA9], [0xE1, 0xBB, 0xA7, 0xE1, 0xBB]]
        var compared = 0, validated = 0, invalid = 0, diffs: [String] = []
        for seq in sequences {
            for shift in 0..<140 {
                let pad = [UInt8](repeating: UInt8(ascii: "a"), count: shift)
                let lines: [[UInt8]] = [
                    Array(#"{"x":""#.utf8) + pad + seq + Array(#""}"#.utf8),     // inside a string
                    Array(#"{"x":""#.utf8) + pad + Array(#"","y":1"#.utf8) + seq + Array("}".utf8),   // outside: also not JSON
                    Array(#"{"x":""#.utf8) + pad + seq,                          // at the line's end
                ]
                for line in lines {
                    let truth = line.withUnsafeBufferPointer { isValidUTF8Scalar($0.baseAddress!, $0.count) }
                    if !truth { invalid += 1 }
                    for framed in [false, true] {
                        let bytes = framed ? line + [0x0A, 0x80, 0xBB, 0x22] : line
                        for k in kernels {
                            let got = JSONStructuralScanner.stage1(kernel: k, bytes, line: framed)
                            compared += 1
                            guard got.utf8 >= 0 else { continue }
                            validated += 1
                            if (got.utf8 == 1) != truth && diffs.count < 8 {
                                diffs.append("kernel \(k) framed \(framed) shift \(shift) seq \(seq): utf8 \(got.utf8), scalar \(truth)")
                            }
                        }
                    }
                }
            }
        }
        XCTAssertEqual(diffs, [], "stage 1 UTF-8 verdicts")
        if kernels.contains(where: { $0 >= 2 }) { XCTAssertGreaterThan(validated, 10_000) }
        print("stage 1 UTF-8: \(compared) verdicts asked, \(validated) given by a kernel and compared (\(invalid) invalid lines), \(diffs.count) differences")
    }

    /// Stage 1's escape checks (vector compares in the AVX2 and AVX-512 kernels, one by one in
    /// the others), each kernel against the scalar one: a backslash before every byte value,
    /// `\u` with 0–4 hex digits (every digit class, and the bytes just outside them), runs of
    /// backslashes, at every offset across the 32- and 64-byte edges — so a `\u`'s digits lie
    /// in the next block — inside a string, at the line's end and cut by the LF.
    func testStage1EscapesAtBlockEdges() {
        let kernels = (Int32(1)...3).filter(JSONStructuralScanner.hasKernel)
        var escapes: [[UInt8]] = (UInt8(0)...UInt8(255)).map { [0x5C, $0] }
        for digits in ["", "0", "09", "09a", "09aF", "Af9b", "/:@G", "`gfA", "00e9", "D83D", "dE00", "0 12", "12\\"] {
            escapes.append(Array(("\\u" + digits).utf8))
            escapes.append(Array(("\\u" + digits + "x").utf8))
        }
        for run in 2...5 { escapes.append([UInt8](repeating: 0x5C, count: run) + Array("u00e9".utf8)) }
        var compared = 0, accepted = 0, diffs: [String] = []
        for esc in escapes {
            for shift in 0..<140 {
                let pad = [UInt8](repeating: UInt8(ascii: "a"), count: shift)
                let lines: [[UInt8]] = [
                    Array(#"{"x":""#.utf8) + pad + esc + Array(#""}"#.utf8),    // inside a string
                    Array(#"{"x":""#.utf8) + pad + esc,                         // at the line's end
                    Array(#"{"x":""#.utf8) + pad + esc + Array(#"\u0041\\\"\/"}"#.utf8),   // more escapes after it
                ]
                for line in lines {
                    for framed in [false, true] {
                        let bytes = framed ? line + [0x0A, 0x30, 0x30, 0x41, 0x22] : line
                        let want = JSONStructuralScanner.stage1(kernel: 0, bytes, line: framed)
                        if want.count >= 0 { accepted += 1 }
                        compared += kernels.count
                        for (k, got) in stage1Differences(kernels, bytes, framed: framed, from: want) where diffs.count < 8 {
                            diffs.append("kernel \(k) framed \(framed) shift \(shift) escape \(esc): count \(got), scalar \(want.count)")
                        }
                    }
                }
            }
        }
        XCTAssertEqual(diffs, [], "stage 1 escapes")
        XCTAssertGreaterThan(accepted, 10_000)
        print("stage 1 escapes: \(compared) kernel verdicts against the scalar one (\(accepted) lines accepted by it), \(diffs.count) differences")
    }

    /// NDJSON decoding as a parse worker does it (`walkRecords` over a chunk), the one-pass
    /// framing and index against the reference (each line's LF found first, then the
    /// recursive-descent scanner): the same records, positions, line counts, reject reasons,
    /// rejected values and decoded fields. Lines ended by LF, CR LF, CR CR LF or the chunk's end;
    /// blank lines, lone CRs, whitespace-only lines, lines over `max_line_bytes`, lines longer
    /// than the index's first capacity (the fallback), invalid UTF-8, generator records and
    /// their mutations; chunks cut at every kind of place, a line split across their edge.
    func testDecoderFramingAgainstReference() throws {
        var pieces = try generatorLines(days: 1, perDay: 80) + fixtureLines()
        pieces += [[], [0x0D], [0x20, 0x09], Array("{}".utf8), Array(" {\"MaHoSo\":1} ".utf8), [0xC3], [0xFF, 0x7B, 0x7D],
                   Array("{\"a\":\"\\".utf8), Array("{\"a\":\"\\u12".utf8), Array("{\"a\":tru".utf8), Array("{\"a\":1".utf8)]
        // Longer than the index's first 4096 entries: the decoder falls back to finding the LF first.
        var long = Array(#"{"MaHoSo":"000.00.01.H56-240219-0002","X":""#.utf8)
        long += [UInt8](repeating: 0x61, count: 9000) + Array(#"","TrangThaiHoSo":1}"#.utf8)
        pieces.append(long)
        var rng = SplitMix(seed: 1616)
        let base = pieces.count
        for _ in 0..<400 {
            var m = pieces[Int(rng.next() % UInt64(base))]
            guard !m.isEmpty else { continue }
            let i = Int(rng.next() % UInt64(m.count))
            let b = Array(#"\"{}[]:,0 -eu"#.utf8 + [0x0D, 0xC3, 0x01])[Int(rng.next() % 16)]
            switch rng.next() % 3 {
            case 0: m.remove(at: i)
            case 1: m[i] = b
            default: m.insert(b, at: i)
            }
            pieces.append(m)
        }
        let terminators: [[UInt8]] = [[0x0A], [0x0D, 0x0A], [0x0D, 0x0D, 0x0A], [0x0A, 0x0A]]
        var stream: [UInt8] = []
        for _ in 0..<8000 {
            stream += pieces[Int(rng.next() % UInt64(pieces.count))]
            stream += terminators[Int(rng.next() % UInt64(terminators.count))]
        }
        // Chunks: the stream cut at random places (a chunk's last line may lack its LF, or
        // end in its CR); each is decoded alone, as a worker does.
        var cuts = [0]
        while cuts.last! < stream.count { cuts.append(min(stream.count, cuts.last! + 1 + Int(rng.next() % 40_000))) }
        var records = 0
        for maxLineBytes in [1 << 20, 700] {
            let fused = NDJSONDecoder(dates: DateTimeParser(), maxLineBytes: maxLineBytes, reference: false)
            let ref = NDJSONDecoder(dates: DateTimeParser(), maxLineBytes: maxLineBytes, reference: true)
            for c in 0..<(cuts.count - 1) {
                let chunk = Chunk(capacity: cuts[c + 1] - cuts[c] + 1)
                chunk.count = cuts[c + 1] - cuts[c]
                stream.withUnsafeBufferPointer { memcpy(chunk.base, $0.baseAddress! + cuts[c], chunk.count) }
                let a = walk(chunk, fused), b = walk(chunk, ref)
                records += b.count
                if a != b && differences.count < 8 {
                    let k = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
                    differences.append("chunk \(c) max \(maxLineBytes): record \(k) fused \(k < a.count ? a[k] : "-") reference \(k < b.count ? b[k] : "-")")
                }
            }
        }
        XCTAssertEqual(differences, [], "decoder framing")
        XCTAssertGreaterThan(records, 15_000)
        print("decoder framing: \(records) records and blank lines compared, \(differences.count) differences")
    }

    /// What `walkRecords` reports of a chunk, one line per record, then its line count.
    func walk(_ chunk: Chunk, _ d: NDJSONDecoder) -> [String] {
        var out: [String] = []
        func text(_ t: ByteText) -> String { t.base.map { String(decoding: UnsafeBufferPointer(start: $0, count: t.count), as: UTF8.self) } ?? "-" }
        let lines = walkRecords(chunk, d) { pos, bytes, reason, r in
            var s = "line \(pos.line) bytes \(bytes.count) \(UnsafePointer(chunk.base).distance(to: bytes.baseAddress!)) "
            if let reason {
                s += "reject \(reason.text) \(d.rejectedValue(reason).map(text) ?? "")"
            } else {
                s += "\(text(r.id)) \(text(r.unit)) \(text(r.procedure)) \(text(r.sector)) \(r.status) \(r.channel) \(r.serviceLevel) "
                s += "\(r.received) \(r.due) \(r.ended) \(r.returned) \(r.returnChannel) \(r.paidOnline) \(r.digitized) \(r.feeBearing) \(r.eResult)"
            }
            out.append(s)
        }
        out.append("lines \(lines)")
        return out
    }

    // MARK: - Inputs

    func fixtureLines() throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        let root = Harness.fixturesDir
        guard let walker = FileManager.default.enumerator(atPath: root.path) else { return [] }
        for case let rel as String in walker where rel.hasSuffix(".ndjson") {
            let bytes = [UInt8](try Data(contentsOf: root.appendingPathComponent(rel)))
            for line in bytes.split(separator: 0x0A) {
                var l = Array(line)
                if l.last == 0x0D { l.removeLast() }
                out.append(l)
            }
        }
        return out
    }

    func generatorLines(days: Int, perDay: Int) throws -> [[UInt8]] {
        let dir = try Harness.scratch("scan-gen")
        defer { try? FileManager.default.removeItem(at: dir) }
        var o = GenerateOptions(outDir: dir.path)
        o.units = 8
        o.days = days
        o.dossiersPerDay = perDay
        o.seed = 16
        o.gzip = false
        _ = try Generator.run(o)
        let exports = dir.appendingPathComponent("exports")
        var out: [[UInt8]] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: exports.path).sorted() {
            let bytes = [UInt8](try Data(contentsOf: exports.appendingPathComponent(name)))
            out += bytes.split(separator: 0x0A).map(Array.init)
        }
        return out
    }

    /// A random object: §2.2 field names and others, every kind of value, escapes, whitespace.
    func randomObject(_ rng: inout SplitMix, _ out: inout [UInt8], depth: Int, top: Bool = false) {
        let keys = DossierField.names + ["Gia", "DuongDanTepTinKetQua", "x", "Ma\\u0048oSo", "G\\u0069a", ""]
        out.append(0x7B)
        let n = Int(rng.next() % (top ? 12 : 4))
        for i in 0..<n {
            if i > 0 { out.append(0x2C) }
            ws(&rng, &out)
            out += Array("\"\(keys[Int(rng.next() % UInt64(keys.count))])\"".utf8)
            ws(&rng, &out)
            out.append(0x3A)
            ws(&rng, &out)
            randomValue(&rng, &out, depth: depth + 1)
            ws(&rng, &out)
        }
        out.append(0x7D)
    }

    func randomValue(_ rng: inout SplitMix, _ out: inout [UInt8], depth: Int) {
        let strings = ["", "a", "000.00.01.H56", "Thủ tục", "\\\"q\\\\", "\\u1EA1\\ud83d\\ude00", " 15000 ", "-1.5", "0", "\\/x\\n"]
        let numbers = ["0", "-0", "1", "12", "-3.25", "1e5", "2E-2", "0.0", "15000", "7.0e+1"]
        switch rng.next() % (depth > 6 ? 5 : 7) {
        case 0: out += Array("\"\(strings[Int(rng.next() % UInt64(strings.count))])\"".utf8)
        case 1: out += Array(numbers[Int(rng.next() % UInt64(numbers.count))].utf8)
        case 2: out += Array(["true", "false", "null"][Int(rng.next() % 3)].utf8)
        case 3: out += Array("\"\(Int(rng.next() % 10))\"".utf8)
        case 4: out += Array("\"2024-03-0\(1 + Int(rng.next() % 9))\"".utf8)
        case 5:
            out.append(0x5B)
            let n = Int(rng.next() % 4)
            for i in 0..<n {
                if i > 0 { out.append(0x2C) }
                ws(&rng, &out)
                randomValue(&rng, &out, depth: depth + 1)
                ws(&rng, &out)
            }
            out.append(0x5D)
        default: randomObject(&rng, &out, depth: depth)
        }
    }

    func ws(_ rng: inout SplitMix, _ out: inout [UInt8]) {
        if rng.next() % 4 == 0 { out.append([0x20, 0x09, 0x0D, 0x0A][Int(rng.next() % 4)]) }
    }
}
