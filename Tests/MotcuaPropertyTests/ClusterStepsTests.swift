// The cluster's steps (issue 14) as a property: however the input files are dealt to map tasks
// (any subsets, in any order, on any thread count), reduce tasks in any order into several
// directories, and whatever period kind, rule set and as-of `finish` is given, the outputs are
// byte for byte those of `motcua run` over the same files. The Dask driver's own tests
// (integrations/dask/tests) run the same steps on a real local cluster.
import Foundation
import XCTest
import MotcuaTestSupport

final class ClusterStepsTests: XCTestCase {
    let fm = FileManager.default

    func outputs(_ dir: URL) throws -> [String: Data] { try Harness.outputs(dir) }

    func motcua(_ args: [String], in dir: URL, expect status: Int32 = 0, file: StaticString = #filePath, line: UInt = #line) throws -> ProcessResult {
        let r = try Harness.run(args, in: dir)
        XCTAssertEqual(r.status, status, "\(args.joined(separator: " ")): \(r.stderr)", file: file, line: line)
        return r
    }

    /// NDJSON days in in/a and CSV days in in/b (names interleave), one truncated gzip export
    /// among them (left out under `on_corrupt_input: skip`), and the pipeline.
    func corpus(_ root: URL) throws -> [String] {
        for (format, seed, start, sub) in [("dvcqg-ndjson", "7", "2024-02-19", "a"), ("csv", "8", "2024-02-22", "b")] {
            let gen = root.appendingPathComponent("gen-\(sub)")
            _ = try motcua(["generate", "--out", gen.path, "--format", format, "--days", "12", "--dossiers-per-day", "30",
                         "--units", "12", "--seed", seed, "--start", start, "--quiet"], in: root)
            try fm.createDirectory(at: root.appendingPathComponent("in"), withIntermediateDirectories: true)
            try fm.moveItem(at: gen.appendingPathComponent("exports"), to: root.appendingPathComponent("in/\(sub)"))
        }
        let whole = try Data(contentsOf: root.appendingPathComponent("in/a/hoso-2024-02-25.ndjson.gz"))
        try whole.prefix(whole.count / 2).write(to: root.appendingPathComponent("in/a/hoso-2024-02-25-partial.ndjson.gz"))
        let catalogs = root.appendingPathComponent("gen-a/catalogs")
        try """
        version: 1
        name: cluster
        inputs:
          - { format: dvcqg-ndjson, paths: ["in/a/*.ndjson.gz"] }
          - { format: csv, paths: ["in/b/*.csv.gz"] }
        catalogs: { units: \(catalogs.path)/units.csv, procedures: \(catalogs.path)/procedures.csv }
        periods: { kind: month, from: 2024-02-01, to: 2024-03-31 }
        breakdown: [sector]
        targets: [{ kpi: on_time_rate, min: 0.9 }]
        outputs: { dir: out, formats: [csv, json], form_ii06a: true, data_quality: true }
        limits: { max_reject_rate: 1, on_corrupt_input: skip }
        """.write(to: root.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        var files: [String] = []
        for sub in ["a", "b"] {
            for n in try fm.contentsOfDirectory(atPath: root.appendingPathComponent("in/\(sub)").path) { files.append("in/\(sub)/\(n)") }
        }
        return files
    }

    func testAnyDealOfFilesToMapsGivesTheFullRunsOutputs() throws {
        let root = try Harness.scratch("cluster-steps")
        defer { try? fm.removeItem(at: root) }
        var files = try corpus(root)
        var rng = StatePropertyTests.Random(state: 14)
        for deal in 0..<3 {
            // Random subsets (not neighbours), given in random order, on 1 or 2 threads.
            let work = root.appendingPathComponent("work-\(deal)")
            files = files.indices.shuffled(using: &rng).map { files[$0] }
            let mapCount = 2 + rng.below(3)
            var maps: [String] = []
            for m in 0..<mapCount {
                let mine = stride(from: m, to: files.count, by: mapCount).map { files[$0] }
                let out = work.appendingPathComponent("map-\(m)").path
                _ = try motcua(["map", "p.yaml", "--files"] + mine + ["--out", out, "--quiet", "--threads", String(1 + rng.below(2))], in: root)
                maps.append(out)
            }
            // A map task run again (a retry) replaces its output with an equal one.
            _ = try motcua(["map", "p.yaml", "--files"] + stride(from: 0, to: files.count, by: mapCount).map { files[$0] }
                         + ["--out", maps[0], "--quiet"], in: root)
            let partDirs = [work.appendingPathComponent("parts-a").path, work.appendingPathComponent("parts-b").path]
            for j in (0..<64).shuffled(using: &rng) {
                let order = maps.indices.shuffled(using: &rng).map { maps[$0] }
                _ = try motcua(["reduce", "p.yaml", "--partition", String(j), "--maps"] + order + ["--out", partDirs[j % 2], "--quiet"], in: root)
            }
            for (kind, rules, asOf) in [("month", "tt01", nil), ("week", "qd766", "2024-03-05"), ("quarter", "tt01", "2024-03-01")] as [(String, String, String?)] {
                var options = ["--kind", kind, "--from", "2024-02-19", "--to", "2024-03-10", "--rules", rules]
                if let asOf { options += ["--as-of", asOf] }
                let cluster = work.appendingPathComponent("out-cluster-\(kind)")
                // The maps' rejects merged two at a time: the rounds a national run's thousands of maps take.
                let fanIn = kind == "week" ? ["--reject-fan-in", "2"] : []
                _ = try motcua(["finish", "p.yaml", "--maps"] + maps + ["--parts"] + partDirs + ["--out", cluster.path, "--quiet"] + fanIn + options,
                               in: root)
                let full = work.appendingPathComponent("out-full-\(kind)")
                _ = try motcua(["run", "p.yaml", "--out", full.path, "--quiet", "--threads", "2"] + options, in: root)
                let (a, b) = (try outputs(cluster), try outputs(full))
                XCTAssertEqual(Set(a.keys), Set(b.keys))
                XCTAssertGreaterThan(b.count, 5)
                for (name, bytes) in b where a[name] != bytes { XCTFail("deal \(deal), \(kind) \(rules): \(name) differs from motcua run's") }
                // Its own state is gone; the corrupt file is reported as in the full run.
                XCTAssertEqual(try fm.contentsOfDirectory(atPath: partDirs[0]).filter { !$0.hasPrefix("part-") }, [])
                let summary = String(decoding: a["summary.json"]!, as: UTF8.self)
                XCTAssertTrue(summary.contains("hoso-2024-02-25-partial.ndjson.gz"))
                XCTAssertFalse(summary.contains("\"state\""))
            }
        }
    }

    func testFinishSeedsTheNightlyState() throws {
        let root = try Harness.scratch("cluster-seed")
        defer { try? fm.removeItem(at: root) }
        let files = try corpus(root)
        let late = files.first { $0.hasPrefix("in/b/") }!
        let held = root.appendingPathComponent("held.csv.gz")
        try fm.moveItem(at: root.appendingPathComponent(late), to: held)
        let rest = files.filter { $0 != late }
        _ = try motcua(["map", "p.yaml", "--files"] + rest + ["--out", "w/m0", "--quiet"], in: root)
        for j in 0..<64 { _ = try motcua(["reduce", "p.yaml", "--partition", String(j), "--maps", "w/m0", "--out", "w/parts", "--quiet"], in: root) }
        _ = try motcua(["finish", "p.yaml", "--maps", "w/m0", "--parts", "w/parts", "--out", "o1", "--state", "st", "--quiet"], in: root)
        let first = try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("o1/summary.json"))) as! [String: Any]
        let state = first["state"] as! [String: Any]
        XCTAssertEqual(state["files_read"] as? Int, 0)
        XCTAssertEqual(state["files_skipped"] as? Int, rest.count)
        // The night's new file (it sorts before the others of in/b): only it is read, and the
        // outputs are the full run's.
        try fm.moveItem(at: held, to: root.appendingPathComponent(late))
        _ = try motcua(["run", "p.yaml", "--state", "st", "--out", "o2", "--quiet"], in: root)
        let night = try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("o2/summary.json"))) as! [String: Any]
        XCTAssertEqual((night["state"] as! [String: Any])["files_read"] as? Int, 1)
        _ = try motcua(["run", "p.yaml", "--out", "o3", "--quiet"], in: root)
        var a = try outputs(root.appendingPathComponent("o2"))
        var summary = try JSONSerialization.jsonObject(with: a["summary.json"]!) as! [String: Any]
        summary["state"] = nil
        a["summary.json"] = try JSONSerialization.data(withJSONObject: summary, options: .sortedKeys)
        XCTAssertEqual(a, try outputs(root.appendingPathComponent("o3")))
    }

    func testStepsRefuseWhatTheyCannotMerge() throws {
        let root = try Harness.scratch("cluster-refuse")
        defer { try? fm.removeItem(at: root) }
        let files = try corpus(root)
        let r = try motcua(["map", "p.yaml", "--files", "in/a/nope.ndjson.gz", "--out", "w/x", "--quiet"], in: root, expect: 64)
        XCTAssertTrue(r.stderr.contains("in/a/nope.ndjson.gz is not one of the pipeline's input files"), r.stderr)
        _ = try motcua(["map", "p.yaml", "--files"] + files.prefix(3) + ["--out", "w/m0", "--quiet"], in: root)
        _ = try motcua(["map", "p.yaml", "--files"] + files.dropFirst(2) + ["--out", "w/m1", "--quiet"], in: root)
        let twice = try motcua(["reduce", "p.yaml", "--partition", "0", "--maps", "w/m0", "w/m1", "--out", "w/parts", "--quiet"], in: root, expect: 65)
        XCTAssertTrue(twice.stderr.contains("\(files[2]) was read by two map tasks"), twice.stderr)
        _ = try motcua(["map", "p.yaml", "--files"] + files.dropFirst(3) + ["--out", "w/m1", "--quiet"], in: root)
        for j in 0..<63 { _ = try motcua(["reduce", "p.yaml", "--partition", String(j), "--maps", "w/m0", "w/m1", "--out", "w/parts", "--quiet"], in: root) }
        let missing = try motcua(["finish", "p.yaml", "--maps", "w/m0", "w/m1", "--parts", "w/parts", "--out", "o", "--quiet"], in: root, expect: 66)
        XCTAssertTrue(missing.stderr.contains("partition 63: no part-63.bin in the --parts directories; run its reduce task"), missing.stderr)
        XCTAssertFalse(fm.fileExists(atPath: root.appendingPathComponent("o/counters.csv").path), "nothing published")
        _ = try motcua(["reduce", "p.yaml", "--partition", "64", "--maps", "w/m0", "--out", "w/parts", "--quiet"], in: root, expect: 64)
        // A finish whose options or output directory are wrong stops before it assembles a state.
        for (bad, status) in [(["--out", "/proc/nope"], Int32(73)), (["--period", "2024-Q9", "--out", "o"], Int32(64))] {
            _ = try motcua(["finish", "p.yaml", "--maps", "w/m0", "w/m1", "--parts", "w/parts", "--state", "w/st", "--quiet"] + bad,
                           in: root, expect: status)
            XCTAssertNil(try? fm.destinationOfSymbolicLink(atPath: root.appendingPathComponent("w/st/current").path), "\(bad): no state assembled")
        }
        // Partitions reduced from other maps than finish is given are refused, not mixed in.
        _ = try motcua(["reduce", "p.yaml", "--partition", "63", "--maps", "w/m0", "w/m1", "--out", "w/parts", "--quiet"], in: root)
        _ = try motcua(["map", "p.yaml", "--files"] + files.dropFirst(4) + ["--out", "w/m1", "--quiet"], in: root)
        let mixed = try motcua(["finish", "p.yaml", "--maps", "w/m0", "w/m1", "--parts", "w/parts", "--out", "o", "--quiet"], in: root, expect: 65)
        XCTAssertTrue(mixed.stderr.contains("part-00.bin was reduced from other map outputs than the --maps given"), mixed.stderr)
        // Maps made under other settings than the pipeline now gives are not merged.
        let yaml = try String(contentsOf: root.appendingPathComponent("p.yaml"), encoding: .utf8)
        try yaml.replacingOccurrences(of: "on_corrupt_input: skip", with: "on_corrupt_input: fail")
            .write(to: root.appendingPathComponent("p2.yaml"), atomically: true, encoding: .utf8)
        let settings = try motcua(["reduce", "p2.yaml", "--partition", "0", "--maps", "w/m0", "w/m1", "--out", "w/parts", "--quiet"], in: root, expect: 78)
        XCTAssertTrue(settings.stderr.contains("on_corrupt_input=skip"), settings.stderr)
        // A map over a corrupt file under `fail` is a data error naming the file.
        let corrupt = try motcua(["map", "p2.yaml", "--files", "in/a/hoso-2024-02-25-partial.ndjson.gz", "--out", "w/m2", "--quiet"], in: root, expect: 65)
        XCTAssertTrue(corrupt.stderr.contains("hoso-2024-02-25-partial.ndjson.gz"), corrupt.stderr)
        XCTAssertFalse(fm.fileExists(atPath: root.appendingPathComponent("w/m2").path))
        // A damaged map output is mended by running its task again, not by a state's --full-refresh.
        let m0 = root.appendingPathComponent("w/m0")
        let part = try XCTUnwrap(fm.enumerator(atPath: m0.path)?.compactMap { $0 as? String }
            .first { ($0 as NSString).lastPathComponent.hasPrefix("part-") })
        let partURL = m0.appendingPathComponent(part)
        let whole = try Data(contentsOf: partURL)
        try whole.prefix(whole.count / 2).write(to: partURL)
        let j = String(Int(((part as NSString).lastPathComponent.dropFirst(5).prefix(2)))!)
        let damaged = try motcua(["reduce", "p.yaml", "--partition", j, "--maps", "w/m0", "w/m1", "--out", "w/parts", "--quiet"], in: root, expect: 65)
        XCTAssertTrue(damaged.stderr.contains("the state is damaged"), damaged.stderr)
        XCTAssertTrue(damaged.stderr.contains("run the cluster task that wrote it again"), damaged.stderr)
        XCTAssertFalse(damaged.stderr.contains("--full-refresh"), damaged.stderr)
    }
}
