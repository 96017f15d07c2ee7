// The state between runs (issue 13) at its edges: damage is exit 65 naming the file and the
// way out, never a number; a held lock is 75; what shapes reading, when it changes, rebuilds;
// a corrupt file left out under `skip` stays left out; leftovers of killed runs go.
import Foundation
import XCTest
import MotcuaTestSupport
#if canImport(Glibc)
import Glibc
#endif

final class StateTests: XCTestCase {
    let fm = FileManager.default

    /// A scratch folder with four SampleData days in `in/` and `p.yaml` (state: st).
    func workspace(_ extra: String = "", days: [String] = ["19", "20", "21", "22"]) throws -> URL {
        let dir = try Harness.scratch("state")
        try fm.createDirectory(at: dir.appendingPathComponent("in"), withIntermediateDirectories: true)
        for d in days {
            try fm.copyItem(at: Harness.projectDir.appendingPathComponent("SampleData/exports/hoso-2024-02-\(d).ndjson.gz"),
                            to: dir.appendingPathComponent("in/hoso-2024-02-\(d).ndjson.gz"))
        }
        try pipeline(dir, extra)
        return dir
    }

    func pipeline(_ dir: URL, _ extra: String) throws {
        try """
        version: 1
        name: st
        inputs: [{ format: dvcqg-ndjson, paths: ["in/*.ndjson.gz"] }]
        catalogs: { units: \(Harness.projectDir.path)/SampleData/catalogs/units.csv }
        periods: { kind: month, from: 2024-02-01, to: 2024-02-29 }
        outputs: { dir: out }
        state: st
        \(extra)
        """.write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
    }

    func run(_ dir: URL, _ args: [String] = []) throws -> ProcessResult {
        try Harness.run(["run", "p.yaml", "--quiet"] + args, in: dir)
    }

    func summary(_ dir: URL, _ out: String = "out") throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("\(out)/summary.json"))) as! [String: Any]
    }

    func counters(_ dir: URL, _ out: String = "out") throws -> Data { try Data(contentsOf: dir.appendingPathComponent("\(out)/counters.csv")) }

    func testDamagedStateIs65ThenFullRefreshRebuilds() throws {
        let dir = try workspace()
        defer { try? fm.removeItem(at: dir) }
        XCTAssertEqual(try run(dir).status, 0)
        let generation = dir.appendingPathComponent("st/current")
        // A truncated partition, then a flipped byte in the ledger.
        let part = generation.appendingPathComponent("part-05.bin")
        let bytes = try Data(contentsOf: part)
        try bytes.prefix(bytes.count - 3).write(to: part)
        var r = try run(dir)
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("part-05.bin: the state is damaged: it is truncated"), r.stderr)
        XCTAssertTrue(r.stderr.contains("--full-refresh"), r.stderr)
        let verify = try Harness.run(["state", "--verify", "st"], in: dir)
        XCTAssertEqual(verify.status, 65, verify.stdout + verify.stderr)
        try bytes.write(to: part)
        var ledger = try Data(contentsOf: generation.appendingPathComponent("ledger.bin"))
        ledger[ledger.count - 10] ^= 0x40
        try ledger.write(to: generation.appendingPathComponent("ledger.bin"))
        r = try run(dir)
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("ledger.bin: the state is damaged: it fails its checksum"), r.stderr)
        r = try run(dir, ["--full-refresh"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let dossiers = (try summary(dir)["accounting"] as! [String: Int])["dossiers"]!
        XCTAssertEqual((try summary(dir))["state"] as? NSDictionary,
                       ["generation": 2, "files_read": 4, "files_skipped": 0, "dossiers": dossiers, "rebuilt": "--full-refresh"] as NSDictionary)
        XCTAssertEqual(try Harness.run(["state", "--verify", "st"], in: dir).status, 0)
    }

    func testHeldLockIs75() throws {
        let dir = try workspace()
        defer { try? fm.removeItem(at: dir) }
        XCTAssertEqual(try run(dir).status, 0)
        let fd = open(dir.appendingPathComponent("st/.motcua-state.lock").path, O_RDWR)
        XCTAssertEqual(flock(fd, LOCK_EX), 0)
        defer { close(fd) }
        let r = try run(dir, ["--out", "other"])
        XCTAssertEqual(r.status, 75, r.stderr)
        XCTAssertTrue(r.stderr.contains("another motcua run holds the state's lock"), r.stderr)
        XCTAssertFalse(fm.fileExists(atPath: dir.appendingPathComponent("other/counters.csv").path), "nothing published")
    }

    func testSettingsThatShapeReadingRebuild() throws {
        let dir = try workspace()
        defer { try? fm.removeItem(at: dir) }
        XCTAssertEqual(try run(dir).status, 0)
        // Periods and rules may change: the state is extended (nothing to read).
        XCTAssertEqual(try run(dir, ["--rules", "qd766", "--kind", "week", "--from", "2024-02-19", "--to", "2024-02-25"]).status, 0)
        XCTAssertTrue((try summary(dir)["state"] as! [String: Any])["rebuilt"] is NSNull)
        XCTAssertEqual((try summary(dir)["state"] as! [String: Any])["files_read"] as? Int, 0)
        // The timezone shapes every day read: a rebuild that says why.
        try pipeline(dir, "timezone: \"+08:00\"")
        XCTAssertEqual(try run(dir).status, 0)
        let rebuilt = (try summary(dir)["state"] as! [String: Any])["rebuilt"] as? String
        XCTAssertEqual(rebuilt, "the run settings that shape reading changed (timezone_minutes: 420 → 480)")
        XCTAssertEqual(try run(dir, ["--out", "full", "--state", "fresh"]).status, 0)
        XCTAssertEqual(try counters(dir), try counters(dir, "full"))
    }

    /// A corrupt gzip under `skip` is remembered as left out: not read again, reported the same.
    func testCorruptFileLeftOutStaysLeftOut() throws {
        let dir = try workspace("limits: { on_corrupt_input: skip }", days: ["19", "20"])
        defer { try? fm.removeItem(at: dir) }
        let good = try Data(contentsOf: dir.appendingPathComponent("in/hoso-2024-02-20.ndjson.gz"))
        try good.prefix(good.count / 2).write(to: dir.appendingPathComponent("in/hoso-2024-02-20.ndjson.gz"))
        XCTAssertEqual(try run(dir).status, 0)
        try fm.copyItem(at: Harness.projectDir.appendingPathComponent("SampleData/exports/hoso-2024-02-21.ndjson.gz"),
                        to: dir.appendingPathComponent("in/hoso-2024-02-21.ndjson.gz"))
        XCTAssertEqual(try run(dir).status, 0)
        let state = try summary(dir)["state"] as! [String: Any]
        XCTAssertEqual(state["files_read"] as? Int, 1)
        XCTAssertEqual(state["files_skipped"] as? Int, 2)
        XCTAssertEqual(try run(dir, ["--out", "full", "--state", "fresh"]).status, 0)
        var a = try summary(dir), b = try summary(dir, "full")
        for key in ["wall_seconds", "mb_per_s", "state"] { a[key] = nil; b[key] = nil }
        XCTAssertEqual(a as NSDictionary, b as NSDictionary)
        XCTAssertTrue((a["warnings"] as? [String] ?? []).contains { $0.contains("hoso-2024-02-20.ndjson.gz: corrupt input") && $0.contains("file skipped") })
        XCTAssertEqual(try counters(dir), try counters(dir, "full"))
    }

    /// summary.json's `mb_per_s` of a state run counts the bytes it read, not those of the files
    /// the state already held.
    func testSpeedCountsTheBytesThisRunRead() throws {
        let dir = try workspace(days: ["19", "20", "21"])
        defer { try? fm.removeItem(at: dir) }
        XCTAssertEqual(try run(dir).status, 0)
        try fm.copyItem(at: Harness.projectDir.appendingPathComponent("SampleData/exports/hoso-2024-02-22.ndjson.gz"),
                        to: dir.appendingPathComponent("in/hoso-2024-02-22.ndjson.gz"))
        XCTAssertEqual(try run(dir).status, 0)
        let s = try summary(dir)
        let inputs = s["inputs"] as! [[String: Any]]
        let newBytes = Double(inputs.first { ($0["path"] as! String).hasSuffix("22.ndjson.gz") }!["bytes"] as! Int)
        let allBytes = Double(inputs.reduce(0) { $0 + ($1["bytes"] as! Int) })
        XCTAssertGreaterThan(allBytes, 3 * newBytes)
        let wall = try XCTUnwrap(s["wall_seconds"] as? Double), speed = try XCTUnwrap(s["mb_per_s"] as? Double)
        XCTAssertGreaterThan(wall, 0)
        let expected = newBytes / 1e6 / wall   // wall is printed to 3 decimals: allow its rounding
        XCTAssertEqual(speed, expected, accuracy: 0.1 + expected * 0.0006 / wall, "mb_per_s \(speed), new bytes \(newBytes), wall \(wall)")
    }

    /// What a killed run leaves (a generation never made current, a temporary link) goes.
    func testLeftoversOfKilledRunsAreRemoved() throws {
        let dir = try workspace()
        defer { try? fm.removeItem(at: dir) }
        XCTAssertEqual(try run(dir).status, 0)
        try fm.createDirectory(at: dir.appendingPathComponent("st/g000007"), withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: dir.appendingPathComponent("st/.motcua-tmp-1-current").path, withDestinationPath: "g000007")
        try "mine\n".write(to: dir.appendingPathComponent("st/notes.txt"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try run(dir).status, 0)
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: dir.appendingPathComponent("st").path).sorted(),
                       [".motcua-state.lock", "current", "g000001", "notes.txt"],
                       "nothing new: no generation written, the leftovers gone, the user's file kept")
        let text = try Harness.run(["state", "st"], in: dir).stdout
        XCTAssertTrue(text.contains("generation  1 (g000001), format 1"), text)
        XCTAssertTrue(text.contains("files       4 taken in"), text)
    }
}
