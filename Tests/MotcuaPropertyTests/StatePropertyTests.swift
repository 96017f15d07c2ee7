// The state between runs (issue 13) as a property: for any sequence of nights, the outputs of
// a run with `--state` are byte for byte those of a full run over the files present that
// night. Seeded random histories over a pool of generated daily exports (NDJSON and CSV, in
// two folders so that a new file may sort before old ones), nights adding random batches,
// re-exporting a day (new content under a known path), copying a day under a new name,
// deleting a file; each night with its own period kind, rule set, as-of and thread count. One
// history keeps at most two deltas (`MOTCUA_STATE_DELTAS=2`), so that nights add deltas over
// linked partitions and then compact; the other uses the default limit, which this small
// state's nights pass at once (every night compacts). A third keeps the same period kind and
// rules every night, its last period cut at a random `--as-of` or not, so that the roll-up
// updates the sums the state kept (`state.rollup` "updated": the changed dossiers, and the
// moved period summed anew) instead of going over every dossier. A fourth keeps its periods
// too and has no data-quality output, so that its nights load only the saved dossiers their
// files hold and those that may count in a period `--as-of` moved (`state.dossiers_loaded`),
// and all of them when they compact.
import Foundation
import XCTest
import MotcuaTestSupport

final class StatePropertyTests: XCTestCase {
    /// SplitMix64: the same seed, the same history.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func chance(_ p: Double) -> Bool { Double(next() % 1_000_000) / 1e6 < p }
    }

    let fm = FileManager.default

    /// Output files by name; summary.json without its timing and its `state` object.
    func outputs(_ dir: URL) throws -> [String: Data] {
        try Harness.outputs(dir, summaryKeys: ["wall_seconds", "mb_per_s", "threads", "state"])
    }

    func stateObject(_ dir: URL) throws -> [String: Any] {
        let o = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("summary.json"))) as! [String: Any]
        return o["state"] as? [String: Any] ?? [:]
    }

    func testRandomHistoriesEqualFullRuns() throws {
        let root = try Harness.scratch("state-property")
        defer { try? fm.removeItem(at: root) }
        // The pool: 16 days of NDJSON and 16 of CSV (the CSV days shifted, so names interleave).
        for (format, seed, start) in [("dvcqg-ndjson", "5", "2024-02-19"), ("csv", "6", "2024-02-21")] {
            let r = try Harness.run(["generate", "--out", root.appendingPathComponent("pool-\(format)").path, "--format", format,
                                     "--days", "16", "--dossiers-per-day", "24", "--units", "12", "--seed", seed, "--start", start,
                                     "--quiet"])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        var pool: [(source: URL, name: String)] = []
        for format in ["dvcqg-ndjson", "csv"] {
            let dir = root.appendingPathComponent("pool-\(format)/exports")
            for n in try fm.contentsOfDirectory(atPath: dir.path).sorted() { pool.append((dir.appendingPathComponent(n), n)) }
        }
        let catalogs = root.appendingPathComponent("pool-dvcqg-ndjson/catalogs")
        var events: [String: Int] = [:]
        for (seed, deltas, fixed, selective) in [(11, "2", false, false), (12, nil, false, false), (13, "3", true, false),
                                                 (14, "2", true, true)] as [(UInt64, String?, Bool, Bool)] {
            try history(seed: seed, pool: pool, catalogs: catalogs, root: root.appendingPathComponent("h\(seed)"),
                        environment: deltas.map { ["MOTCUA_STATE_DELTAS": $0] } ?? [:], fixedSettings: fixed, selective: selective,
                        events: &events)
        }
        // The histories did meet every case the property is about.
        for e in ["late file sorting first", "re-exported day", "copy under a new name", "deleted file", "extended",
                  "night adding a delta", "compaction of deltas", "roll-up from kept sums", "selective load", "selective load, --as-of",
                  "compaction after a selective plan"] {
            XCTAssertGreaterThan(events[e] ?? 0, 0, "no \(e) in these histories: \(events)")
        }
    }

    private func history(seed: UInt64, pool: [(source: URL, name: String)], catalogs: URL, root: URL,
                         environment: [String: String], fixedSettings: Bool = false, selective: Bool = false,
                         events: inout [String: Int]) throws {
        var rng = Random(state: seed)
        let input = root.appendingPathComponent("in")
        for sub in ["a", "b"] { try fm.createDirectory(at: input.appendingPathComponent(sub), withIntermediateDirectories: true) }
        var present: [String] = []          // paths under in/
        var unused = pool.indices.shuffled(using: &rng)
        let kinds = [("month", "2024-02-01", "2024-03-31"), ("week", "2024-02-19", "2024-03-17"),
                     ("day", "2024-03-01", "2024-03-10"), ("quarter", "2024-01-01", "2024-03-31")]
        var lastGeneration = 0
        var lastDeltas = 0
        var lastDossiers = 0
        for night in 0..<9 {
            var changedKnown = false
            let known = Set(present)   // what the state took in last night
            // A batch of new files, each into a (random) folder: a late file may sort first.
            for _ in 0..<(1 + rng.below(4)) where !unused.isEmpty {
                let f = pool[unused.removeLast()]
                let path = "\(rng.chance(0.5) ? "a" : "b")/\(f.name)"
                guard !present.contains(path) else { continue }
                try fm.copyItem(at: f.source, to: input.appendingPathComponent(path))
                if known.contains(where: { path.utf8.lexicographicallyPrecedes($0.utf8) }) { events["late file sorting first", default: 0] += 1 }
                present.append(path)
            }
            if night > 0 && rng.chance(0.2), let victim = present.randomElement(using: &rng) {
                // A re-exported day: other content under the same name (same format).
                let same = pool.filter { $0.name.hasSuffix(victim.hasSuffix(".csv.gz") ? ".csv.gz" : ".ndjson.gz") }
                let replacement = same[rng.below(same.count)].source
                let data = try Data(contentsOf: replacement)
                if data != (try Data(contentsOf: input.appendingPathComponent(victim))) {
                    try data.write(to: input.appendingPathComponent(victim))
                    changedKnown = changedKnown || known.contains(victim)
                    events["re-exported day", default: 0] += 1
                }
            }
            if night > 0 && rng.chance(0.25), let original = present.randomElement(using: &rng) {
                // The same day again under a new name.
                let copy = "\(original.hasPrefix("a/") ? "b" : "a")/copy-\(night)-\((original as NSString).lastPathComponent)"
                try fm.copyItem(at: input.appendingPathComponent(original), to: input.appendingPathComponent(copy))
                present.append(copy)
                events["copy under a new name", default: 0] += 1
            }
            if night > 1 && rng.chance(0.15) && present.count > 2 {
                let gone = present.remove(at: rng.below(present.count))
                try fm.removeItem(at: input.appendingPathComponent(gone))
                changedKnown = changedKnown || known.contains(gone)
                events["deleted file", default: 0] += 1
            }
            let (kind, from, to) = kinds[fixedSettings ? 0 : rng.below(kinds.count)]
            try """
            version: 1
            name: night
            inputs:
              - { format: dvcqg-ndjson, paths: ["in/**/*.ndjson.gz"] }
              - { format: csv, paths: ["in/**/*.csv.gz"] }
            catalogs: { units: \(catalogs.path)/units.csv, procedures: \(catalogs.path)/procedures.csv }
            periods: { kind: \(kind), from: \(from), to: \(to) }
            breakdown: [sector]
            targets: [{ kpi: on_time_rate, min: \(["0.9", "0.95"][rng.below(2)]) }]
            outputs: { dir: out, form_ii06a: true\(selective ? "" : ", data_quality: true") }
            limits: { max_reject_rate: 1 }
            """.write(to: root.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
            var options = ["--rules", fixedSettings ? "qd766" : ["tt01", "qd766"][rng.below(2)]]
            if rng.chance(fixedSettings ? 0.6 : 0.4) { options += ["--as-of", "2024-03-0\(1 + rng.below(9))"] }
            let stateThreads = String(1 + rng.below(2)), fullThreads = String(1 + rng.below(2))
            let stated = try Harness.run(["run", "p.yaml", "--quiet", "--state", "st", "--out", "with-state", "--threads", stateThreads] + options,
                                         in: root, environment: environment)
            XCTAssertEqual(stated.status, 0, "seed \(seed) night \(night): \(stated.stderr)")
            let full = try Harness.run(["run", "p.yaml", "--quiet", "--out", "full", "--threads", fullThreads] + options, in: root)
            XCTAssertEqual(full.status, 0, full.stderr)
            let a = try outputs(root.appendingPathComponent("with-state")), b = try outputs(root.appendingPathComponent("full"))
            XCTAssertEqual(Set(a.keys), Set(b.keys))
            for (name, bytes) in b where a[name] != bytes {
                XCTFail("seed \(seed) night \(night) (\(kind), \(options), threads \(stateThreads)/\(fullThreads)): \(name) differs from the full run's")
            }
            let state = try stateObject(root.appendingPathComponent("with-state"))
            // A new generation when something was read (or rebuilt), else the same one.
            let generation = state["generation"] as? Int ?? -1
            let read = (state["files_read"] as? Int ?? 0) > 0 || state["rebuilt"] is String
            XCTAssertEqual(generation, lastGeneration + (read ? 1 : 0), "seed \(seed) night \(night)")
            lastGeneration = generation
            let deltas = try fm.contentsOfDirectory(atPath: root.appendingPathComponent("st/current").path).filter { $0.hasPrefix("delta-") }.count
            if read && state["rebuilt"] is NSNull {
                if deltas > lastDeltas { events["night adding a delta", default: 0] += 1 }
                if deltas == 0 && lastDeltas > 0 { events["compaction of deltas", default: 0] += 1 }
            }
            if selective && read && state["rebuilt"] is NSNull {
                // Periods, rules and outputs the same every night, no data-quality output: only
                // the new files' ids are loaded, unless the night compacts (then all of them).
                let loaded = state["dossiers_loaded"] as? Int ?? -1
                if deltas > lastDeltas {
                    XCTAssertLessThanOrEqual(loaded, lastDossiers, "seed \(seed) night \(night)")
                    if loaded < lastDossiers { events[options.contains("--as-of") ? "selective load, --as-of" : "selective load", default: 0] += 1 }
                } else if deltas == 0 {
                    XCTAssertEqual(loaded, lastDossiers, "seed \(seed) night \(night): a compaction loads every saved dossier")
                    events["compaction after a selective plan", default: 0] += 1
                }
            }
            lastDossiers = state["dossiers"] as? Int ?? 0
            lastDeltas = deltas
            if night == 0 {
                XCTAssertEqual(state["rebuilt"] as? String, "the state was empty")
            } else if changedKnown {
                XCTAssertNotNil(state["rebuilt"] as? String, "seed \(seed) night \(night): a known file changed or went, yet no rebuild")
            } else {
                XCTAssertTrue(state["rebuilt"] is NSNull, "seed \(seed) night \(night): rebuilt \(state["rebuilt"] ?? "?")")
                events["extended", default: 0] += 1
                if state["rollup"] as? String == "updated" { events["roll-up from kept sums", default: 0] += 1 }
                if fixedSettings {
                    // The same kind and rules as the night that kept the sums: they are updated.
                    XCTAssertEqual(state["rollup"] as? String, "updated", "seed \(seed) night \(night)")
                }
                XCTAssertEqual((state["files_read"] as? Int ?? 0) + (state["files_skipped"] as? Int ?? 0), present.count)
            }
        }
    }
}

extension Array {
    func randomElement(using rng: inout StatePropertyTests.Random) -> Element? {
        isEmpty ? nil : self[rng.below(count)]
    }
}

extension Range where Bound == Int {
    func shuffled(using rng: inout StatePropertyTests.Random) -> [Int] {
        var a = Array(self)
        for i in a.indices.reversed() where i > 0 { a.swapAt(i, rng.below(i + 1)) }
        return a
    }
}
