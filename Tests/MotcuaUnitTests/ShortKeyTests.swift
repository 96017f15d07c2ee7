// The short-key fast paths of the code and label tables (issue 16), held to plain byte
// compares: hashBytes' whole-load tail against a byte loop, ShortKey equality against byte
// equality, ByteKeyTable against a dictionary, and LabelCache's inline spellings against its
// general lookup — on keys of every length around the limits (4, 8, ByteKeyTable.inlineBytes,
// ShortKey.limit).
import Foundation
import XCTest
@testable import MotcuaFoundation
@testable import MotcuaReading

final class ShortKeyTests: XCTestCase {
    /// hashBytes as written before the whole-load tail: the tail bytes one at a time.
    static func referenceHash(_ b: [UInt8]) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(b.count)
        var i = 0
        while i + 8 <= b.count {
            var w: UInt64 = 0
            for k in 0..<8 { w |= UInt64(b[i + k]) << (8 * UInt64(k)) }
            h = (h ^ w) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 29
            i += 8
        }
        var tail: UInt64 = 0, shift: UInt64 = 0
        while i < b.count { tail |= UInt64(b[i]) << shift; shift += 8; i += 1 }
        h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        h ^= h >> 32
        return h
    }

    /// Calls `body` with a copy of `b` at the very end of its own allocation, so that a load
    /// past the key would read outside it (caught by ASan, and a wrong value otherwise).
    func atEnd<R>(_ b: [UInt8], _ body: (UnsafePointer<UInt8>, Int) -> R) -> R {
        let m = UnsafeMutablePointer<UInt8>.allocate(capacity: max(b.count, 1))
        defer { m.deallocate() }
        m.update(from: b, count: b.count)
        return body(m, b.count)
    }

    func testHashTailMatchesByteLoop() {
        var rng = SystemRandomNumberGenerator()
        for n in 0...72 {
            for _ in 0..<200 {
                let b = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
                XCTAssertEqual(atEnd(b) { hashBytes($0, $1) }, Self.referenceHash(b), "length \(n): \(b)")
            }
        }
    }

    func testShortKeyEqualityIsByteEquality() {
        var rng = SystemRandomNumberGenerator()
        for n in 0...ShortKey.limit {
            for _ in 0..<100 {
                let a = (0..<n).map { _ in UInt8.random(in: 0...3, using: &rng) }
                let ka = atEnd(a) { ShortKey($0, $1) }
                XCTAssertEqual(atEnd(a) { ShortKey($0, $1) }, ka)
                // Every single-byte change, at every position, must tell the keys apart.
                for i in 0..<n {
                    var b = a
                    b[i] &+= UInt8.random(in: 1...255, using: &rng)
                    XCTAssertNotEqual(atEnd(b) { ShortKey($0, $1) }, ka, "length \(n), byte \(i)")
                }
                // Random keys: equal words exactly when equal bytes (and lengths).
                let m = max(0, n + Int.random(in: -1...1, using: &rng))
                if m <= ShortKey.limit {
                    let c = (0..<m).map { _ in UInt8.random(in: 0...3, using: &rng) }
                    XCTAssertEqual(atEnd(c) { ShortKey($0, $1) } == ka, c == a, "\(a) vs \(c)")
                }
            }
        }
        XCTAssertNotEqual(ShortKey(), atEnd([]) { ShortKey($0, $1) }, "no key equals the empty key")
    }

    func testByteKeyTableMatchesDictionary() {
        var rng = SystemRandomNumberGenerator()
        var table = ByteKeyTable(capacity: 4)
        var reference: [[UInt8]: Int] = [:]
        // Small alphabet and lengths around every limit: many keys share prefixes and suffixes.
        for _ in 0..<20_000 {
            let n = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 40].randomElement(using: &rng)!
            let key = (0..<n).map { _ in UInt8.random(in: 0x41...0x43, using: &rng) }
            let (index, inserted) = atEnd(key) { table.findOrInsert($0, $1) }
            if let known = reference[key] {
                XCTAssertFalse(inserted, "\(key)")
                XCTAssertEqual(index, known, "\(key)")
            } else {
                XCTAssertTrue(inserted, "\(key)")
                XCTAssertEqual(index, reference.count)
                reference[key] = index
            }
            XCTAssertEqual(table.withKey(index) { Array(UnsafeBufferPointer(start: $0, count: $1)) }, key)
        }
        XCTAssertEqual(table.count, reference.count)
    }

    /// The same with hashes that collide on purpose (the tag is the length, the first slot the
    /// first byte): every key is compared with many others of its length, so the key compare
    /// alone decides.
    func testByteKeyTableCompareWithCollidingHashes() {
        var rng = SystemRandomNumberGenerator()
        var table = ByteKeyTable(capacity: 4)
        var reference: [[UInt8]: Int] = [:]
        for _ in 0..<3000 {
            let n = [1, 3, 4, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33].randomElement(using: &rng)!
            let key = (0..<n).map { _ in UInt8.random(in: 0x41...0x42, using: &rng) }
            let (index, inserted) = atEnd(key) { table.findOrInsert($0, $1, hash: UInt64(n) << 32 | UInt64(key[0])) }
            XCTAssertEqual(inserted, reference[key] == nil, "\(key)")
            XCTAssertEqual(index, reference[key] ?? reference.count, "\(key)")
            if inserted { reference[key] = index }
        }
    }

    func testLabelCacheInlineMatchesGeneralLookup() {
        var rng = SystemRandomNumberGenerator()
        let spellings: [LabelKind: [String]] = [
            .boolean: ["1", "0", "Có", "Không", "true", "false", "có", "TRUE", "x", "", "yes"],
            .channel: ["Trực tiếp", "Trực tuyến", "Bưu chính công ích", "BCCI", "Qua mạng", "2", "Tại quầy",
                       "Dịch vụ công trực tuyến", "Tại bộ phận một cửa", "Qua bưu điện", "Nộp trực tiếp", "?"],
            .status: ["Mới đăng ký", "Được tiếp nhận", "Đang xử lý", "Đã xử lý xong", "Đã trả kết quả", "done",
                      "Yêu cầu thực hiện nghĩa vụ tài chính", "Công dân yêu cầu rút hồ sơ", "new", "nope"],
            .returnChannel: ["Trực tiếp", "Bưu chính", "Qua BCCI", "Tại quầy", "Qua bưu điện", "x"],
        ]
        // Plus ASCII labels of every length 0...limit + 2 that differ from a label only in one byte.
        var words = spellings
        for n in 0...(ShortKey.limit + 2) {
            words[.boolean, default: []].append(String(repeating: "a", count: n))
            words[.boolean, default: []].append(String(repeating: "a", count: max(0, n - 1)) + "b")
        }
        let labels = LabelTables([.boolean: ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab": 1, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa": 0]])
        let cache = LabelCache(labels), general = LabelCache(labels)
        for _ in 0..<20_000 {
            let kind = LabelKind.allCases.randomElement(using: &rng)!
            let bytes = Array(words[kind]!.randomElement(using: &rng)!.utf8)
            let fast = atEnd(bytes) { cache.value(ByteText(base: $0, count: $1), kind: kind) }
            let slow = atEnd(bytes) { general.tableValue($0, $1, kind: kind) }
            XCTAssertEqual(fast, slow, "\(kind) \(String(decoding: bytes, as: UTF8.self))")
            // And the built-in and configured labels themselves (not only the cache's agreement).
            let expected = labels.code(normalized: normalizeLabel(String(decoding: bytes, as: UTF8.self)), kind)
            XCTAssertEqual(fast, expected)
        }
    }

    /// Spellings of every length around the limits that differ in one byte (first, middle or
    /// last), each its own status code: all held inline at once, none may answer for another.
    func testInlineLabelsTellNeighboursApart() {
        for n in 1...(ShortKey.limit + 2) {
            let a = String(repeating: "a", count: n - 1)
            let middle = String(repeating: "a", count: (n - 1) / 2) + "b" + String(repeating: "a", count: n - 1 - (n - 1) / 2)
            var codes: [String: Int] = [:]
            for w in [a + "a", a + "b", "b" + a, middle] where codes[w] == nil { codes[w] = codes.count + 1 }
            let cache = LabelCache(LabelTables([.status: codes]))
            var rng = SystemRandomNumberGenerator()
            for w in (Array(codes.keys) + Array(codes.keys) + Array(codes.keys)).shuffled(using: &rng) + ["c" + a] {
                let bytes = Array(w.utf8)
                let value = atEnd(bytes) { cache.value(ByteText(base: $0, count: $1), kind: .status) }
                XCTAssertEqual(value, codes[w], "\(w) (length \(n))")
            }
        }
    }
}
