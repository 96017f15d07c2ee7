// Corrupt gzip under `on_corrupt_input: fail | skip | salvage` (SPEC §2.1, §3.5, §7.2): every
// kind of damage × every policy — exit code, the message naming file and compressed offset,
// summary.json's `corrupt` entry, what is kept, and the accounting. Not corrupt: a zero-byte
// file (plain text, no records), gzip of nothing, zero padding, gzip inside gzip (its bytes are
// text that is not UTF-8: counted rejects).
import Foundation
import XCTest
import MotcuaTestSupport

final class CorruptInputPolicyTests: XCTestCase {
    /// Fixed-width lines, so kept bytes tell how many whole lines were kept.
    static func line(_ unit: Int, _ i: Int) -> String {
        String(format: #"{"MaHoSo":"000.00.%02d.H56-%05d","TrangThaiHoSo":4,"NgayTiepNhan":"20240305080000"}"#, unit, i) + "\n"
    }
    static let lineLength = line(2, 0).utf8.count
    static let body = (0..<200).map { line(2, $0) }.joined()
    static let gz = Gz.member(Array(body.utf8))

    struct Damage {
        var name: String
        var bytes: [UInt8]
        /// Compressed offset the SPEC fixes (nil: where the inflater detects it, inside the file).
        var offset: Int?
        /// Records salvage must keep (nil: some whole lines, fewer than all).
        var salvaged: Int?
        var members: Int
    }

    var damages: [Damage] {
        let gz = Self.gz
        var crc = gz; crc[crc.count - 6] ^= 0xFF
        var isize = gz; isize[isize.count - 2] ^= 0x01
        var flags = gz; flags[3] |= 0x20
        let half = Self.lines(100)
        let second = Gz.member(Array(half.utf8))
        return [
            Damage(name: "truncated in the middle", bytes: Array(gz.prefix(gz.count / 2)), offset: gz.count / 2, salvaged: nil, members: 0),
            Damage(name: "trailer cut", bytes: Array(gz.prefix(gz.count - 4)), offset: gz.count - 4, salvaged: 200, members: 0),
            Damage(name: "bad CRC", bytes: crc, offset: nil, salvaged: 200, members: 0),
            Damage(name: "bad ISIZE", bytes: isize, offset: nil, salvaged: 200, members: 0),
            Damage(name: "garbage after the member", bytes: gz + Array("junk".utf8), offset: gz.count, salvaged: 200, members: 1),
            Damage(name: "garbage after zero padding", bytes: gz + [UInt8](repeating: 0, count: 100) + [0x78], offset: gz.count + 100, salvaged: 200, members: 1),
            Damage(name: "second member truncated", bytes: gz + Array(second.prefix(second.count - 9)), offset: gz.count + second.count - 9, salvaged: nil, members: 1),
            Damage(name: "header only", bytes: Array(gz.prefix(10)), offset: 10, salvaged: 0, members: 0),
            Damage(name: "magic only", bytes: [0x1F, 0x8B], offset: 2, salvaged: 0, members: 0),
            Damage(name: "reserved header flags", bytes: flags, offset: 3, salvaged: 0, members: 0),
        ]
    }

    static func lines(_ n: Int) -> String { (0..<n).map { line(3, $0) }.joined() }

    func workspace(_ policy: String, _ damaged: [UInt8]) throws -> Workspace {
        let ws = try Workspace("corrupt")
        try ws.pipeline(limits: "on_corrupt_input: \(policy)")
        try ws.write("a.ndjson", Self.line(1, 1))
        try ws.write("b.ndjson.gz", damaged)
        try ws.write("c.ndjson", Self.line(1, 2))
        return ws
    }

    func corruptEntry(_ ws: Workspace) throws -> [String: Any]? {
        try ws.inputs()[1]["corrupt"] as? [String: Any]
    }

    func testEveryDamageUnderEveryPolicy() throws {
        for d in damages {
            // fail: exit 65, message names the file and the offset, nothing published.
            var ws = try workspace("fail", d.bytes)
            var r = try ws.run()
            XCTAssertEqual(r.status, 65, "\(d.name): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("data/b.ndjson.gz"), "\(d.name): \(r.stderr)")
            if let off = d.offset { XCTAssertTrue(r.stderr.contains("offset \(off)"), "\(d.name): want offset \(off): \(r.stderr)") }
            XCTAssertFalse(FileManager.default.fileExists(atPath: ws.url("out/counters.csv").path), d.name)

            // skip: the file counts nowhere; summary names it.
            ws = try workspace("skip", d.bytes)
            r = try ws.run()
            XCTAssertEqual(r.status, 0, "\(d.name): \(r.stderr)")
            var c = try corruptEntry(ws)
            XCTAssertEqual(c?["policy"] as? String, "skip", d.name)
            if let off = d.offset { XCTAssertEqual(c?["offset"] as? Int, off, d.name) }
            XCTAssertEqual(try ws.inputs()[1]["records"] as? Int, 0, d.name)
            XCTAssertEqual(try ws.inputs()[1]["compressed_bytes"] as? Int, d.bytes.count, d.name)
            XCTAssertEqual(try ws.accounting()["records"], 2, d.name)
            XCTAssertTrue((try ws.summary()["warnings"] as! [String]).contains { $0.contains("data/b.ndjson.gz") }, d.name)

            // salvage: whole lines before the damage are kept; the cut line is not counted.
            ws = try workspace("salvage", d.bytes)
            r = try ws.run()
            XCTAssertEqual(r.status, 0, "\(d.name): \(r.stderr)")
            c = try corruptEntry(ws)
            XCTAssertEqual(c?["policy"] as? String, "salvage", d.name)
            let offset = c?["offset"] as? Int ?? -1
            if let off = d.offset { XCTAssertEqual(offset, off, d.name) } else {
                XCTAssertTrue(offset > 10 && offset <= d.bytes.count, "\(d.name): offset \(offset) of \(d.bytes.count)")
            }
            let input = try ws.inputs()[1]
            let records = input["records"] as? Int ?? -1, bytes = input["bytes"] as? Int ?? -1
            XCTAssertEqual(bytes, records * Self.lineLength, "\(d.name): bytes kept end at a line end")
            if let want = d.salvaged { XCTAssertEqual(records, want, d.name) } else {
                XCTAssertTrue(records > 0 && records <= (d.name.hasPrefix("second") ? 300 : 199), "\(d.name): \(records)")
            }
            if d.name.hasPrefix("second") { XCTAssertGreaterThanOrEqual(records, 200, "the whole first member is kept") }
            XCTAssertEqual(input["gzip_members"] as? Int, d.members, d.name)
            XCTAssertEqual(input["accepted"] as? Int, records, d.name)
            let acc = try ws.accounting()
            XCTAssertEqual(acc["records"], 2 + records, d.name)
            XCTAssertEqual(acc["records"], acc["accepted"]! + acc["rejected"]!, d.name)
        }
    }

    func testNotCorrupt() throws {
        let cases: [(String, [UInt8], records: Int, rejected: Int, members: Int)] = [
            ("zero-byte file", [], 0, 0, 0),
            ("gzip of nothing", Gz.member([]), 0, 0, 1),
            ("zero padding after the member", Self.gz + [UInt8](repeating: 0, count: 70_000), 200, 0, 1),
            ("two members", Self.gz + Gz.member(Array(Self.lines(3).utf8)), 203, 0, 2),
        ]
        for policy in ["fail", "skip", "salvage"] {
            for c in cases {
                let ws = try workspace(policy, c.1)
                let r = try ws.run()
                XCTAssertEqual(r.status, 0, "\(c.0) \(policy): \(r.stderr)")
                let input = try ws.inputs()[1]
                XCTAssertTrue(input["corrupt"] is NSNull, "\(c.0): \(input)")
                XCTAssertEqual(input["records"] as? Int, c.records, c.0)
                XCTAssertEqual(input["rejected"] as? Int, c.rejected, c.0)
                XCTAssertEqual(input["gzip_members"] as? Int, c.members, c.0)
            }
        }
    }

    func testGzipInsideGzipIsRejectedTextNotCorruption() throws {
        let inner = Self.gz
        let ws = try workspace("fail", Gz.member(inner))
        var r = try ws.run()
        // Its decompressed bytes are binary "lines": rejects, so the default reject limit trips.
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("rejected"), r.stderr)
        try ws.pipeline(limits: "max_reject_rate: 1")
        r = try ws.run()
        XCTAssertEqual(r.status, 0, r.stderr)
        let input = try ws.inputs()[1]
        XCTAssertTrue(input["corrupt"] is NSNull)
        XCTAssertEqual(input["bytes"] as? Int, inner.count)
        XCTAssertEqual(input["records"] as? Int, input["rejected"] as? Int)
        XCTAssertGreaterThan(input["records"] as? Int ?? 0, 0)
        let reasons = Set(try ws.rejects().map(\.reason))
        XCTAssertTrue(reasons.isSubset(of: ["invalid_utf8", "malformed_json"]), "\(reasons)")
    }

    func testSalvagedCSVDropsTheRecordCutByTheDamage() throws {
        let ws = try Workspace("csvsalvage")
        try ws.pipeline(limits: "on_corrupt_input: salvage", ndjson: false, csv: true)
        var text = "Mã hồ sơ,Trạng thái,Ngày tiếp nhận,Ghi chú\n"
        for i in 0..<300 { text += "000.00.01.H56-\(i),4,05/03/2024,\"dòng 1\ndòng 2\"\n" }
        let gz = Gz.member(Array(text.utf8))
        try ws.write("a.csv.gz", Array(gz.prefix(gz.count * 2 / 3)))
        let r = try ws.run()
        XCTAssertEqual(r.status, 0, r.stderr)
        let input = try ws.inputs()[0]
        let records = input["records"] as? Int ?? -1
        XCTAssertTrue(records > 0 && records < 300, "\(records)")
        XCTAssertEqual(input["rejected"] as? Int, 0, "no half record reaches the parser")
        let rowBytes = "000.00.01.H56-0,4,05/03/2024,\"dòng 1\ndòng 2\"\n".utf8.count
        let header = "Mã hồ sơ,Trạng thái,Ngày tiếp nhận,Ghi chú\n".utf8.count
        XCTAssertLessThanOrEqual(input["bytes"] as? Int ?? 0, header + records * (rowBytes + 2))
    }

    /// With several threads each reads its own run of neighbouring files, so a damaged file
    /// can be found before an earlier one is started; the first damaged file in input order
    /// must still decide, as if read one by one. Here thread 2 reads c (found at once) while
    /// thread 1 is still on a, with b next.
    func testFirstDamagedFileInInputOrderDecidesWhateverTheReadingOrder() throws {
        var big = Gz.member(Array(Self.lines(20_000).utf8))
        big[3] |= 0x20    // reserved header flag: corrupt at offset 3, found at once
        var small = Self.gz
        small[3] |= 0x20
        for threads in ["1", "2", "3"] {
            let ws = try Workspace("order")
            try ws.pipeline(limits: "on_corrupt_input: fail")
            try ws.write("a.ndjson.gz", Gz.member(Array(Self.lines(10_000).utf8)))
            try ws.write("b.ndjson.gz", small)
            try ws.write("c.ndjson.gz", big)
            var r = try ws.run(["--threads", threads])
            XCTAssertEqual(r.status, 65, r.stderr)
            XCTAssertTrue(r.stderr.contains("data/b.ndjson.gz"), "threads \(threads): \(r.stderr)")
            XCTAssertFalse(r.stderr.contains("data/c.ndjson.gz"), "threads \(threads): \(r.stderr)")

            try ws.pipeline(limits: "on_corrupt_input: skip")
            r = try ws.run(["--threads", threads])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try ws.accounting()["records"], 10_000, "threads \(threads)")
            XCTAssertEqual(try ws.inputs().map { $0["corrupt"] is NSNull }, [true, false, false], "threads \(threads)")
        }
    }

    /// BUG (FileChunker.skipOverlong): the `overlong` marker chunk it takes from the pool is
    /// neither sent nor given back when the input ends in damage, so each such file leaks one
    /// pool slot; under `salvage` with --threads 1 (pool limit 4) the fourth such file blocks
    /// the reader in `ChunkPool.take()` forever — and SIGTERM/SIGINT cannot stop it either.
    func testSalvageOfManyFilesDamagedInsideAnOverlongLineDoesNotHang() throws {
        let ws = try Workspace("leak")
        try ws.pipeline(limits: "on_corrupt_input: salvage, max_line_bytes: 1000, max_reject_rate: 1")
        var rng = SplitMix(seed: 7)
        for f in 0..<5 {
            // An incompressible first line far over the limit, cut by the damage.
            let long = (0..<200_000).map { _ in UInt8(ascii: "a") + UInt8(rng.next() % 26) }
            let gz = Gz.member(Array(#"{"X":""#.utf8) + long + Array("\"}\n".utf8) + Array(Self.line(1, f).utf8))
            try ws.write("f\(f).ndjson.gz", Array(gz.prefix(gz.count - 20_000)))
        }
        let r = try ws.run(["--threads", "1"], deadline: 10)
        XCTAssertEqual(r.status, 0, r.stderr)
        if !r.timedOut {
            XCTAssertEqual(try ws.accounting()["records"], 0, "the overlong lines cut by the damage are not counted")
            XCTAssertEqual(try ws.inputs().compactMap { $0["corrupt"] as? [String: Any] }.count, 5)
        }
    }
}
