// Failures end in the documented exit code with a one-line message naming what to fix, and
// a failed run replaces no output (SPEC §7.2).
import Foundation
import XCTest
import MotcuaTestSupport

final class FailureTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = try Harness.scratch("fail")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("data"), withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    let good = #"{"MaHoSo":"000.00.01.H56-1","TrangThaiHoSo":4,"NgayTiepNhan":"20240305080000"}"#

    func pipeline(_ extra: String = "", paths: String = "data/*") throws {
        let yaml = """
        version: 1
        name: t
        inputs: [{format: dvcqg-ndjson, paths: ["\(paths)"]}]
        periods: {kind: month, from: 2024-03-01, to: 2024-03-31}
        outputs: {dir: out}
        \(extra)
        """
        try yaml.write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
    }

    func write(_ name: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: dir.appendingPathComponent("data/\(name)"))
    }

    func gzip(_ text: String) throws -> [UInt8] {
        let src = dir.appendingPathComponent("tmp.txt")
        try text.write(to: src, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import gzip,sys; sys.stdout.buffer.write(gzip.compress(open(sys.argv[1],'rb').read(), mtime=0))", src.path]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return [UInt8](data)
    }

    func motcua(_ args: [String] = []) throws -> ProcessResult {
        try Harness.run(["run", "p.yaml", "--quiet"] + args, in: dir)
    }

    func testNoMatchingInputIs66() throws {
        try pipeline(paths: "data/*.none")
        let r = try motcua()
        XCTAssertEqual(r.status, 66)
        XCTAssertTrue(r.stderr.contains("data/*.none"), r.stderr)
    }

    func testConfigErrorsAreAllReportedWith78() throws {
        let yaml = """
        version: 1
        name: t
        inputz: 3
        inputs: [{format: xml, paths: ["data/*"], extra: 1}]
        periods: {kind: fortnight, from: 2024-13-01}
        rules: tt02
        limits: {max_reject_rate: 2, on_corrupt_input: ignore}
        targets: [{kpi: nope, min: 0.2}]
        """
        try yaml.write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        let r = try motcua()
        XCTAssertEqual(r.status, 78)
        for needle in ["inputz", "inputs[0].format", "inputs[0].extra", "periods.kind", "periods.from", "rules",
                       "limits.max_reject_rate", "limits.on_corrupt_input", "targets[0].kpi"] {
            XCTAssertTrue(r.stderr.contains(needle), "\(needle) not reported:\n\(r.stderr)")
        }
        let v = try Harness.run(["validate", "p.yaml"], in: dir)
        XCTAssertEqual(v.status, 78)
        XCTAssertTrue(v.stderr.contains("targets[0].kpi"))
    }

    func testBadCatalogIs78() throws {
        try "unit_code,unit_name,tier,parent_code\nA,a,tinh,B\nB,b,huyen,A\nC,c,galaxy,\n".write(
            to: dir.appendingPathComponent("units.csv"), atomically: true, encoding: .utf8)
        try pipeline("catalogs: {units: units.csv}")
        try write("a.ndjson", Array(good.utf8))
        let r = try motcua()
        XCTAssertEqual(r.status, 78)
        XCTAssertTrue(r.stderr.contains("cycle"), r.stderr)
        XCTAssertTrue(r.stderr.contains("galaxy"), r.stderr)
    }

    func testUsageErrorsAre64() throws {
        try pipeline()
        try write("a.ndjson", Array(good.utf8))
        XCTAssertEqual(try motcua(["--period", "2024-Q9", "--kind", "quarter"]).status, 64)
        XCTAssertEqual(try motcua(["--threads", "0"]).status, 64)
        XCTAssertEqual(try motcua(["--from", "2024-02-30"]).status, 64)
        XCTAssertEqual(try motcua(["--bogus"]).status, 64)
    }

    func testUnwritableOutputIs73AndLockedIs75() throws {
        try pipeline()
        try write("a.ndjson", Array(good.utf8))
        try Data().write(to: dir.appendingPathComponent("afile"))
        let r = try motcua(["--out", "afile/sub"])
        XCTAssertEqual(r.status, 73, r.stderr)

        try FileManager.default.createDirectory(at: dir.appendingPathComponent("out"), withIntermediateDirectories: true)
        let fd = open(dir.appendingPathComponent("out/.motcua.lock").path, O_RDWR | O_CREAT, 0o644)
        XCTAssertEqual(flock(fd, LOCK_EX | LOCK_NB), 0)
        let locked = try motcua()
        XCTAssertEqual(locked.status, 75, locked.stderr)
        close(fd)
        XCTAssertEqual(try motcua().status, 0)
    }

    func testCorruptGzipPoliciesAndPreviousOutputsKept() throws {
        try write("a.ndjson", Array((good + "\n").utf8))
        try pipeline()
        XCTAssertEqual(try motcua().status, 0)
        let before = try Data(contentsOf: dir.appendingPathComponent("out/counters.csv"))

        let lines = (1...50).map { #"{"MaHoSo":"000.00.02.H56-\#($0)","TrangThaiHoSo":4,"NgayTiepNhan":"20240306080000"}"# }
        let gz = try gzip(lines.joined(separator: "\n") + "\n")
        try write("b.ndjson.gz", Array(gz.prefix(gz.count - 3)))
        let failed = try motcua()
        XCTAssertEqual(failed.status, 65)
        XCTAssertTrue(failed.stderr.contains("data/b.ndjson.gz") && failed.stderr.contains("offset \(gz.count - 3)"), failed.stderr)
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("out/counters.csv")), before, "previous output kept")

        try pipeline("limits: {on_corrupt_input: skip}")
        XCTAssertEqual(try motcua().status, 0)
        var summary = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("out/summary.json"))) as! [String: Any]
        var inputs = summary["inputs"] as! [[String: Any]]
        XCTAssertEqual(inputs[1]["records"] as? Int, 0)
        XCTAssertEqual((inputs[1]["corrupt"] as? [String: Any])?["policy"] as? String, "skip")
        XCTAssertEqual((summary["accounting"] as! [String: Int])["records"], 1)

        try pipeline("limits: {on_corrupt_input: salvage}")
        XCTAssertEqual(try motcua().status, 0)
        summary = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("out/summary.json"))) as! [String: Any]
        inputs = summary["inputs"] as! [[String: Any]]
        // Only the trailer is missing: every whole line was inflated and is kept.
        XCTAssertEqual(inputs[1]["records"] as? Int, 50)
        XCTAssertEqual((inputs[1]["corrupt"] as? [String: Any])?["policy"] as? String, "salvage")
        XCTAssertEqual((inputs[1]["corrupt"] as? [String: Any])?["offset"] as? Int, gz.count - 3)
    }

    func testRejectRateAboveLimitIs65AndPublishesNothing() throws {
        try pipeline()
        try write("a.ndjson", Array((good + "\n{broken\n").utf8))
        let r = try motcua()
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stderr.contains("data/a.ndjson:2: malformed_json"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out/counters.csv").path))
    }

    func testLongLineIsOneRejectAndTheRestCounts() throws {
        try pipeline("limits: {max_reject_rate: 0.5}")
        let long = #"{"MaHoSo":"000.00.01.H56-2","X":""# + String(repeating: "a", count: 2_100_000) + #""}"#
        try write("a.ndjson", Array((good + "\n" + long + "\r\n" + good.replacingOccurrences(of: "-1", with: "-3") + "\n").utf8))
        let r = try motcua(["--chunk-bytes", "65536"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let rejects = Harness.read(dir.appendingPathComponent("out/rejects.ndjson"))!
        XCTAssertTrue(rejects.hasPrefix(#"{"file":"data/a.ndjson","line":2,"reason":"line_too_long","excerpt":"{\"MaHoSo\""#), rejects)
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("out/summary.json"))) as! [String: Any]
        XCTAssertEqual(summary["accounting"] as? [String: Int],
                       ["records": 3, "accepted": 2, "rejected": 1, "dossiers": 2, "superseded": 0, "in_scope": 2, "not_received": 0])
    }
}

final class InterruptTests: XCTestCase {
    /// SIGINT / SIGTERM mid-run: exit 130 / 143, nothing published, no temporary files left.
    func testInterruptPublishesNothing() throws {
        let dir = try Harness.scratch("intr")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("data"), withIntermediateDirectories: true)
        var text = ""
        for i in 0..<4000 {
            text += #"{"MaHoSo":"000.00.01.H56-\#(i)","TrangThaiHoSo":4,"NgayTiepNhan":"20240305080000","X":[1,2,3,{"a":"bcdefghijklmnopqrstuvwxyz"}]}"# + "\n"
        }
        let block = Data(text.utf8)
        let handle = try FileHandle(forWritingTo: { let u = dir.appendingPathComponent("data/a.ndjson"); FileManager.default.createFile(atPath: u.path, contents: nil); return u }())
        for _ in 0..<120 { handle.write(block) }   // ~60 MB: far longer than the signal delay in a debug build
        try handle.close()
        try """
        version: 1
        inputs: [{format: dvcqg-ndjson, paths: ["data/*"]}]
        periods: {kind: month, from: 2024-03-01, to: 2024-03-31}
        outputs: {dir: out}
        """.write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        for (sig, code) in [(SIGINT, Int32(130)), (SIGTERM, Int32(143))] {
            let p = Process()
            p.executableURL = Harness.binary
            p.arguments = ["run", "p.yaml", "--quiet"]
            p.currentDirectoryURL = dir
            p.standardError = FileHandle.nullDevice
            try p.run()
            usleep(400_000)
            kill(p.processIdentifier, sig)
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, code)
            let left = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("out").path)
            XCTAssertEqual(left, [".motcua.lock"], "nothing published, no temporary file left")
        }
    }
}
