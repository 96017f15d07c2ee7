// The state between runs (issue 13) at its edges: damage is exit 65 naming the file and the
// way out, never a number; a held lock is 75; what shapes reading, when it changes, rebuilds;
// a corrupt file left out under `skip` stays left out; leftovers of killed runs go; nights
// write deltas over hard-linked partitions until a compaction; a state of the older format
// is rebuilt; the roll-up updates the sums the state kept when periods and rules are theirs.
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
                       ["generation": 2, "files_read": 4, "files_skipped": 0, "dossiers": dossiers, "rebuilt": "--full-refresh", "rollup": "full",
                        "dossiers_loaded": 0] as NSDictionary)
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
        XCTAssertTrue(text.contains("generation  1 (g000001), format 2"), text)
        XCTAssertTrue(text.contains("files       4 taken in"), text)
    }

    // MARK: Deltas and compaction

    /// Adds SampleData's day `d` to `in/`.
    func addDay(_ dir: URL, _ d: String, as name: String? = nil) throws {
        try fm.copyItem(at: Harness.projectDir.appendingPathComponent("SampleData/exports/hoso-2024-02-\(d).ndjson.gz"),
                        to: dir.appendingPathComponent("in/\(name ?? "hoso-2024-02-\(d).ndjson.gz")"))
    }

    /// Every output of the state's run (`out`) equals a run over the same files without the
    /// state (a fresh one, removed after), summary.json aside from timing and `state`.
    func assertSameAsFullRun(_ dir: URL, _ what: String, options: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try run(dir, ["--out", "full", "--state", "fresh"] + options)
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        try? fm.removeItem(at: dir.appendingPathComponent("fresh"))
        let keys = ["wall_seconds", "mb_per_s", "state"]
        let a = try Harness.outputs(dir.appendingPathComponent("out"), summaryKeys: keys)
        let b = try Harness.outputs(dir.appendingPathComponent("full"), summaryKeys: keys)
        XCTAssertEqual(Set(a.keys), Set(b.keys), what, file: file, line: line)
        for (name, bytes) in b where a[name] != bytes { XCTFail("\(what): \(name) differs from the full run's", file: file, line: line) }
    }

    /// The current generation's files named `prefix…`, sorted.
    func currentFiles(_ dir: URL, _ prefix: String) throws -> [String] {
        try fm.contentsOfDirectory(atPath: dir.appendingPathComponent("st/current").path).filter { $0.hasPrefix(prefix) }.sorted()
    }

    func inode(_ path: URL) -> UInt64 {
        var st = stat()
        return stat(path.path, &st) == 0 ? UInt64(st.st_ino) : 0
    }

    /// `motcua state st`'s text, checked with `--verify`.
    func describe(_ dir: URL) throws -> String {
        let r = try Harness.run(["state", "--verify", "st"], in: dir)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        return r.stdout
    }

    /// Night after night a generation links the previous partitions (same inode) and adds one
    /// delta of the night's dossiers; past the limit (`MOTCUA_STATE_DELTAS=2` here) a night
    /// writes the partitions anew and drops the deltas. Every night's outputs are a full run's.
    func testNightsAddDeltasThenCompact() throws {
        let dir = try workspace(days: ["19"])
        defer { try? fm.removeItem(at: dir) }
        let env = ["MOTCUA_STATE_DELTAS": "2"]
        XCTAssertEqual(try Harness.run(["run", "p.yaml", "--quiet"], in: dir, environment: env).status, 0)
        XCTAssertEqual(try currentFiles(dir, "delta-"), [], "a new state is written whole")
        let base = inode(dir.appendingPathComponent("st/current/part-07.bin"))
        for (night, day) in ["20", "21", "22"].enumerated() {
            try addDay(dir, day)
            let r = try Harness.run(["run", "p.yaml", "--quiet"], in: dir, environment: env)
            XCTAssertEqual(r.status, 0, r.stderr)
            try assertSameAsFullRun(dir, "night \(night + 2)")
            let generation = night + 2
            let text = try describe(dir)
            if night < 2 {
                XCTAssertEqual(try currentFiles(dir, "delta-"), (2...generation).map { "delta-00000\($0).bin" })
                XCTAssertEqual(inode(dir.appendingPathComponent("st/current/part-07.bin")), base, "the partitions are linked, not written")
                XCTAssertTrue(text.contains("and \(night + 1) delta"), text)
            } else {
                XCTAssertEqual(try currentFiles(dir, "delta-"), [], "the third delta is over the limit: compacted")
                XCTAssertNotEqual(inode(dir.appendingPathComponent("st/current/part-07.bin")), base, "compacted: partitions written anew")
                XCTAssertFalse(text.contains("delta"), text)
            }
            XCTAssertEqual(try currentFiles(dir, "part-").count, 64)
            XCTAssertEqual(try fm.contentsOfDirectory(atPath: dir.appendingPathComponent("st").path).filter { $0.hasPrefix("g") },
                           ["g00000\(generation)"])
        }
        // Loaded from the compacted partitions, a next night is a full run's too.
        try addDay(dir, "23")
        XCTAssertEqual(try Harness.run(["run", "p.yaml", "--quiet"], in: dir, environment: env).status, 0)
        try assertSameAsFullRun(dir, "after the compaction")
        XCTAssertEqual(try currentFiles(dir, "delta-"), ["delta-000005.bin"])
    }

    /// Day 20 carries later versions of 41 dossiers of day 19: the delta holds them (each with
    /// its merged state) beside the 103 new ones, and loading base + delta keeps the delta's.
    func testDeltaReplacesBaseRecords() throws {
        let dir = try workspace(days: ["19"])
        defer { try? fm.removeItem(at: dir) }
        let env = ["MOTCUA_STATE_DELTAS": "4"]
        XCTAssertEqual(try Harness.run(["run", "p.yaml", "--quiet"], in: dir, environment: env).status, 0)
        let before = (try summary(dir)["state"] as! [String: Any])["dossiers"] as! Int
        try addDay(dir, "20")
        XCTAssertEqual(try Harness.run(["run", "p.yaml", "--quiet"], in: dir, environment: env).status, 0)
        let after = (try summary(dir)["state"] as! [String: Any])["dossiers"] as! Int
        let text = try describe(dir)
        let deltaDossiers = try XCTUnwrap(text.split(separator: "\n").first { $0.contains("deltas ") }
            .flatMap { $0.split(separator: "(")[1].split(separator: " ").first }.flatMap { Int($0) }, text)
        XCTAssertGreaterThan(deltaDossiers, after - before, "some of the delta's dossiers replace the partitions' (\(text))")
        try assertSameAsFullRun(dir, "one delta")
        // Loaded again (nothing new: base + delta only), then extended by a third day.
        XCTAssertEqual(try Harness.run(["run", "p.yaml", "--quiet"], in: dir, environment: env).status, 0)
        try assertSameAsFullRun(dir, "nothing new over a delta")
        try addDay(dir, "21")
        XCTAssertEqual(try Harness.run(["run", "p.yaml", "--quiet"], in: dir, environment: env).status, 0)
        try assertSameAsFullRun(dir, "two deltas")
        XCTAssertEqual(try currentFiles(dir, "delta-"), ["delta-000002.bin", "delta-000003.bin"])
    }

    /// A late file that sorts before the files the state holds: its versions of their dossiers
    /// lose to theirs (the input order decides, not the night), in the delta as in a full run.
    func testLateFileSortingFirstGoesIntoADeltaAndLoses() throws {
        let dir = try workspace(days: ["20", "21"])
        defer { try? fm.removeItem(at: dir) }
        let env = ["MOTCUA_STATE_DELTAS": "4"]
        XCTAssertEqual(try Harness.run(["run", "p.yaml", "--quiet"], in: dir, environment: env).status, 0)
        try addDay(dir, "19")                                    // sorts first
        try addDay(dir, "22", as: "hoso-2024-02-00.ndjson.gz")   // a later day's records under a name sorting first
        let r = try Harness.run(["run", "p.yaml", "--quiet"], in: dir, environment: env)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual((try summary(dir)["state"] as! [String: Any])["files_read"] as? Int, 2)
        XCTAssertEqual(try currentFiles(dir, "delta-"), ["delta-000002.bin"])
        try assertSameAsFullRun(dir, "late files")
        try addDay(dir, "22")                                    // the same records again, now sorting last: they win
        XCTAssertEqual(try Harness.run(["run", "p.yaml", "--quiet"], in: dir, environment: env).status, 0)
        try assertSameAsFullRun(dir, "the same records sorting last")
    }

    /// The roll-up's sums the state keeps (`rollup.bin`): a night with the same period kind and
    /// rules updates them ("updated", a moved last period summed anew), a night with others goes
    /// over every dossier ("full") and keeps its own; either way the outputs are a full run's. A damaged `rollup.bin` is
    /// exit 65 naming it, as every state file.
    func testRollupFromKeptSums() throws {
        let dir = try workspace(days: ["19"])
        defer { try? fm.removeItem(at: dir) }
        func rollup() throws -> String? { (try summary(dir)["state"] as! [String: Any])["rollup"] as? String }
        let months = ["--to", "2024-03-31"]
        XCTAssertEqual(try run(dir, months).status, 0)
        XCTAssertEqual(try rollup(), "full")
        XCTAssertTrue(try describe(dir).contains("roll-up     "))
        for (day, options, expected) in [("20", months, "updated"), ("21", months + ["--as-of", "2024-03-05"], "updated"),
                                         ("22", ["--kind", "week"], "full"), ("23", ["--kind", "week"], "updated"),
                                         ("24", ["--kind", "week", "--rules", "qd766"], "full")] {
            try addDay(dir, day)
            let r = try run(dir, options + ["--metrics-file", "m.prom"])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try rollup(), expected, "day \(day) \(options)")
            let metrics = try String(contentsOf: dir.appendingPathComponent("m.prom"), encoding: .utf8)
            XCTAssertTrue(metrics.contains("motcua_state_rollup_updated{pipeline=\"st\"} \(expected == "updated" ? 1 : 0)\n"), metrics)
            try assertSameAsFullRun(dir, "day \(day) \(options)", options: options)
        }
        let sums = dir.appendingPathComponent("st/current/rollup.bin")
        let bytes = try Data(contentsOf: sums)
        try Data(bytes.enumerated().map { $0.offset == bytes.count - 7 ? $0.element ^ 0x01 : $0.element }).write(to: sums)
        try addDay(dir, "25")
        let r = try run(dir, ["--kind", "week", "--rules", "qd766"])
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("rollup.bin: the state is damaged: it fails its checksum"), r.stderr)
        let verify = try Harness.run(["state", "--verify", "st"], in: dir)
        XCTAssertEqual(verify.status, 65, verify.stdout + verify.stderr)
        XCTAssertTrue(verify.stderr.contains("rollup.bin"), verify.stderr)
    }

    /// A night whose roll-up updates the kept sums loads only the saved dossiers its new files
    /// hold (`state.dossiers_loaded`); when the sums turn out not to apply (here a unit loses
    /// its last dossier to another unit), the rest is loaded and the roll-up goes over every
    /// dossier. Either way the outputs are a full run's. Hand-made records, so that each
    /// count is known.
    func testNightLoadsOnlyTheDossiersItsFilesHold() throws {
        let dir = try Harness.scratch("state-selective")
        defer { try? fm.removeItem(at: dir) }
        try fm.createDirectory(at: dir.appendingPathComponent("in"), withIntermediateDirectories: true)
        func records(_ name: String, _ dossiers: [(id: String, unit: String, status: Int)]) throws {
            try dossiers.map { d in
                """
                {"MaHoSo":"\(d.id)","MaTTHC":"1.001193","MaLinhVuc":"G09-TP01","KenhThucHien":"2","MaDonVi":"\(d.unit)",\
                "NgayNopHoSo":"20240219010333","TrangThaiHoSo":\(d.status),"NgayTiepNhan":"20240219080000",\
                "NgayHenTra":"20240226170000","NgayKetThucXuLy":null,"NgayTra":""}
                """
            }.joined(separator: "\n").appending("\n").write(to: dir.appendingPathComponent("in/\(name)"), atomically: true, encoding: .utf8)
        }
        try pipeline(dir, "")
        try String(contentsOf: dir.appendingPathComponent("p.yaml"), encoding: .utf8).replacingOccurrences(of: "in/*.ndjson.gz", with: "in/*.ndjson")
            .write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        let (commune, department) = ("000.02.21.H56", "000.00.06.H56")
        let env = ["MOTCUA_STATE_DELTAS": "4"]   // no compaction: that night loads every dossier
        func night(_ what: String) throws -> [String: Any] {
            let r = try Harness.run(["run", "p.yaml", "--quiet"], in: dir, environment: env)
            XCTAssertEqual(r.status, 0, "\(what): \(r.stderr)")
            try assertSameAsFullRun(dir, what)
            return try summary(dir)["state"] as! [String: Any]
        }
        try records("a.ndjson", [("X-1", commune, 2), ("X-2", department, 2), ("X-3", department, 2)])
        var state = try night("the first night")
        XCTAssertEqual(state["dossiers_loaded"] as? Int, 0)
        try records("b.ndjson", [("X-2", department, 4)])
        // The same night loading every saved dossier writes the same generation, byte for byte.
        try fm.copyItem(at: dir.appendingPathComponent("st"), to: dir.appendingPathComponent("st-all"))
        let all = try Harness.run(["run", "p.yaml", "--quiet", "--state", "st-all", "--out", "out-all"], in: dir,
                                  environment: env.merging(["MOTCUA_STATE_LOAD": "all"]) { $1 })
        XCTAssertEqual(all.status, 0, all.stderr)
        state = try night("one dossier changed")
        let generation = try fm.destinationOfSymbolicLink(atPath: dir.appendingPathComponent("st/current").path)
        for name in try fm.contentsOfDirectory(atPath: dir.appendingPathComponent("st/\(generation)").path) {
            XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("st/\(generation)/\(name)")),
                           try Data(contentsOf: dir.appendingPathComponent("st-all/\(generation)/\(name)")), name)
        }
        XCTAssertEqual((try summary(dir, "out-all")["state"] as! [String: Any])["dossiers_loaded"] as? Int, 3)
        XCTAssertEqual(state["rollup"] as? String, "updated")
        XCTAssertEqual(state["dossiers_loaded"] as? Int, 1, "only X-2's saved version")
        state = try night("nothing new")
        XCTAssertEqual(state["dossiers_loaded"] as? Int, 0)
        XCTAssertEqual(state["rollup"] as? String, "updated")
        try records("c.ndjson", [("X-1", department, 2), ("X-4", department, 2)])
        state = try night("the commune's only dossier moved")
        XCTAssertEqual(state["rollup"] as? String, "full", "the kept sums cannot lose the commune's last dossier")
        XCTAssertEqual(state["dossiers_loaded"] as? Int, 3, "every saved dossier, for the full roll-up")
        XCTAssertEqual(state["dossiers"] as? Int, 4)
    }

    /// A delta truncated or with a flipped byte stops the run (65) naming it, and `--verify`
    /// finds it; `--full-refresh` rebuilds.
    func testDamagedDeltaIs65() throws {
        let dir = try workspace(days: ["19"])
        defer { try? fm.removeItem(at: dir) }
        let env = ["MOTCUA_STATE_DELTAS": "4"]
        XCTAssertEqual(try Harness.run(["run", "p.yaml", "--quiet"], in: dir, environment: env).status, 0)
        try addDay(dir, "20")
        XCTAssertEqual(try Harness.run(["run", "p.yaml", "--quiet"], in: dir, environment: env).status, 0)
        let delta = dir.appendingPathComponent("st/current/delta-000002.bin")
        let bytes = try Data(contentsOf: delta)
        for (damage, message) in [(bytes.prefix(bytes.count - 5), "it is truncated"),
                                  (Data(bytes.enumerated().map { $0.offset == bytes.count - 20 ? $0.element ^ 0x10 : $0.element }), "it fails its checksum")] {
            try damage.write(to: delta)
            try addDay(dir, "21")
            let r = try Harness.run(["run", "p.yaml", "--quiet"], in: dir, environment: env)
            XCTAssertEqual(r.status, 65, r.stderr)
            XCTAssertTrue(r.stderr.contains("delta-000002.bin: the state is damaged: \(message)"), r.stderr)
            XCTAssertTrue(r.stderr.contains("--full-refresh"), r.stderr)
            let verify = try Harness.run(["state", "--verify", "st"], in: dir)
            XCTAssertEqual(verify.status, 65, verify.stdout + verify.stderr)
            XCTAssertTrue(verify.stderr.contains("delta-000002.bin"), verify.stderr)
            try fm.removeItem(at: dir.appendingPathComponent("in/hoso-2024-02-21.ndjson.gz"))
        }
        try addDay(dir, "21")
        let r = try Harness.run(["run", "p.yaml", "--quiet", "--full-refresh"], in: dir, environment: env)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try currentFiles(dir, "delta-"), [])
        try assertSameAsFullRun(dir, "rebuilt")
        _ = try describe(dir)
    }

    /// A state written in format 1 (before deltas) is rebuilt, said in summary.json, not misread.
    func testOlderFormatIsRebuilt() throws {
        let dir = try workspace(days: ["19", "20"])
        defer { try? fm.removeItem(at: dir) }
        XCTAssertEqual(try run(dir).status, 0)
        // Format 1's header: the version is the u32 after the magic, in every file.
        let generation = dir.appendingPathComponent("st/current")
        for name in try fm.contentsOfDirectory(atPath: generation.path) {
            var data = try Data(contentsOf: generation.appendingPathComponent(name))
            data.replaceSubrange(8..<12, with: [1, 0, 0, 0])
            try data.write(to: generation.appendingPathComponent(name))
        }
        let text = try Harness.run(["state", "st"], in: dir).stdout
        XCTAssertTrue(text.contains("format 1: written by another motcua; the next run rebuilds it"), text)
        try addDay(dir, "21")
        let r = try run(dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual((try summary(dir)["state"] as! [String: Any])["rebuilt"] as? String,
                       "the state was written in format 1, this motcua writes format 2")
        XCTAssertEqual((try summary(dir)["state"] as! [String: Any])["files_read"] as? Int, 3)
        try assertSameAsFullRun(dir, "rebuilt from format 1")
        XCTAssertTrue(try describe(dir).contains("format 2"))
    }
}
