// The publisher in the setups where a directory exchange cannot work (issue 19): a folder
// inside the output directory, a mount point. Each run must publish the same bytes as a run
// into a plain directory, leave what it did not write alone, and switch sets in one step.
import Foundation
import XCTest
import MotcuaTestSupport

final class PublishTests: XCTestCase {
    let fm = FileManager.default

    /// `motcua run pipelines/sample.yaml --out OUT --rules RULES EXTRA…`.
    func runSample(_ out: URL, rules: String, _ extra: [String] = []) throws -> ProcessResult {
        try Harness.run(["run", "pipelines/sample.yaml", "--out", out.path, "--rules", rules, "--quiet"] + extra, in: Harness.projectDir)
    }

    /// The published files by name, read through links (not the test's own notes.txt);
    /// summary.json without its timing.
    func published(_ out: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for n in try fm.contentsOfDirectory(atPath: out.path) where !n.hasPrefix(".") && n != "notes.txt" {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: out.appendingPathComponent(n).path, isDirectory: &isDir), !isDir.boolValue else { continue }
            var data = try Data(contentsOf: out.appendingPathComponent(n))
            if n == "summary.json" {
                var o = try JSONSerialization.jsonObject(with: data) as! [String: Any]
                for key in ["wall_seconds", "mb_per_s", "threads"] { o[key] = nil }
                data = try JSONSerialization.data(withJSONObject: o, options: .sortedKeys)
            }
            files[n] = data
        }
        return files
    }

    func isLink(_ url: URL) -> Bool {
        (try? fm.attributesOfItem(atPath: url.path)[.type] as? FileAttributeType) == .typeSymbolicLink
    }

    func generations(_ out: URL) throws -> [String] {
        try fm.contentsOfDirectory(atPath: out.appendingPathComponent(".motcua-generations").path).sorted()
    }

    /// A folder in the output directory: the first run adopts the exchange's set, every run
    /// publishes the plain run's bytes, nothing foreign is touched, two sets are kept.
    func testFolderInsideTheOutputDirectoryPublishesByGenerations() throws {
        let dir = try Harness.scratch("publish-folder")
        defer { try? fm.removeItem(at: dir) }
        let plain = dir.appendingPathComponent("plain"), out = dir.appendingPathComponent("out")
        XCTAssertEqual(try runSample(plain, rules: "tt01").status, 0)
        let tt01 = try published(plain)
        XCTAssertEqual(try runSample(plain, rules: "qd766").status, 0)
        let qd766 = try published(plain)
        XCTAssertNotEqual(tt01["counters.csv"], qd766["counters.csv"])
        XCTAssertFalse(isLink(plain.appendingPathComponent("counters.csv")), "a plain directory keeps regular files")

        XCTAssertEqual(try runSample(out, rules: "tt01").status, 0)
        try fm.createDirectory(at: out.appendingPathComponent("archive/2024"), withIntermediateDirectories: true)
        try "kept\n".write(to: out.appendingPathComponent("archive/2024/old.csv"), atomically: true, encoding: .utf8)
        try "mine\n".write(to: out.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let r = try Harness.run(["run", "pipelines/sample.yaml", "--out", out.path, "--rules", "qd766"], in: Harness.projectDir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("it holds a folder (archive), so each set of outputs is published as a folder in .motcua-generations/"), r.stderr)
        XCTAssertEqual(try published(out), qd766)
        XCTAssertTrue(isLink(out.appendingPathComponent("counters.csv")))
        // The adopted tt01 set is the previous generation, kept for readers still in it.
        XCTAssertEqual(try generations(out), ["1", "2", "current"])
        XCTAssertEqual(try fm.destinationOfSymbolicLink(atPath: out.appendingPathComponent(".motcua-generations/current").path), "2")
        XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent(".motcua-generations/1/counters.csv")), tt01["counters.csv"])

        XCTAssertEqual(try runSample(out, rules: "tt01").status, 0)
        XCTAssertEqual(try published(out), tt01)
        XCTAssertEqual(try generations(out), ["2", "3", "current"])
        XCTAssertEqual(try String(contentsOf: out.appendingPathComponent("archive/2024/old.csv"), encoding: .utf8), "kept\n")
        XCTAssertEqual(try String(contentsOf: out.appendingPathComponent("notes.txt"), encoding: .utf8), "mine\n")
        XCTAssertFalse(fm.fileExists(atPath: out.appendingPathComponent(".motcua-manifest").path), "the exchange's manifest is adopted")
    }

    /// Only names a manifest lists are dropped; an output-named file motcua did not write
    /// stays, and the log says so. Both ways of publishing.
    func testOnlyFilesInTheManifestAreDropped() throws {
        for withFolder in [false, true] {
            let dir = try Harness.scratch("publish-manifest")
            defer { try? fm.removeItem(at: dir) }
            let ws = dir.appendingPathComponent("ws")
            try fm.createDirectory(at: ws.appendingPathComponent("out"), withIntermediateDirectories: true)
            try fm.copyItem(at: Harness.projectDir.appendingPathComponent("SampleData"), to: ws.appendingPathComponent("SampleData"))
            if withFolder { try fm.createDirectory(at: ws.appendingPathComponent("out/archive"), withIntermediateDirectories: true) }
            try "<p>their own page</p>\n".write(to: ws.appendingPathComponent("out/report.html"), atomically: true, encoding: .utf8)
            func pipeline(form: Bool) throws {
                try """
                version: 1
                name: m
                inputs: [{format: dvcqg-ndjson, paths: ["SampleData/exports/*.ndjson.gz"]}]
                periods: {kind: month, from: 2024-02-01, to: 2024-02-29}
                outputs: {dir: out, form_ii06a: \(form)}
                """.write(to: ws.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
            }
            try pipeline(form: true)
            let first = try Harness.run(["run", "p.yaml"], in: ws)
            XCTAssertEqual(first.status, 0, first.stderr)
            XCTAssertTrue(first.stderr.contains("left alone report.html — no manifest of motcua lists it"), first.stderr)
            XCTAssertTrue(fm.fileExists(atPath: ws.appendingPathComponent("out/bieu-ii06a.csv").path))
            try pipeline(form: false)
            XCTAssertEqual(try Harness.run(["run", "p.yaml", "--quiet"], in: ws).status, 0)
            let names = try fm.contentsOfDirectory(atPath: ws.appendingPathComponent("out").path).filter { !$0.hasPrefix(".") }
            XCTAssertEqual(Set(names), Set(["counters.csv", "counters.json", "kpis.csv", "kpis.json", "rejects.ndjson", "summary.json", "report.html"]
                + (withFolder ? ["archive"] : [])), "withFolder \(withFolder)")
            XCTAssertEqual(try String(contentsOf: ws.appendingPathComponent("out/report.html"), encoding: .utf8), "<p>their own page</p>\n")
        }
    }

    /// What a killed run leaves — a generation never switched to, a temporary link, links to
    /// names of that set — is removed by the next run, which publishes the right set.
    func testLeftoversOfAKilledRunAreRemoved() throws {
        let dir = try Harness.scratch("publish-leftovers")
        defer { try? fm.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out"), plain = dir.appendingPathComponent("plain")
        try fm.createDirectory(at: out.appendingPathComponent("archive"), withIntermediateDirectories: true)
        XCTAssertEqual(try runSample(out, rules: "tt01").status, 0)
        XCTAssertEqual(try runSample(plain, rules: "qd766").status, 0)
        let gens = out.appendingPathComponent(".motcua-generations")
        try fm.createDirectory(at: gens.appendingPathComponent("7"), withIntermediateDirectories: true)
        try "partial".write(to: gens.appendingPathComponent("7/counters.csv"), atomically: true, encoding: .utf8)
        try fm.createSymbolicLink(atPath: gens.appendingPathComponent(".motcua-tmp-1-current").path, withDestinationPath: "7")
        try fm.createSymbolicLink(atPath: out.appendingPathComponent("extra.csv").path, withDestinationPath: ".motcua-generations/current/extra.csv")
        XCTAssertEqual(try runSample(out, rules: "qd766").status, 0)
        XCTAssertEqual(try published(out), try published(plain))
        XCTAssertEqual(try generations(out), ["1", "2", "current"], "the unswitched 7 is gone before numbering")
        XCTAssertFalse(isLink(out.appendingPathComponent("extra.csv")) || fm.fileExists(atPath: out.appendingPathComponent("extra.csv").path))
    }

    /// A mount point (a tmpfs here; Docker and Kubernetes volumes alike) cannot be exchanged:
    /// generations, the plain run's bytes. Needs root to mount; skipped otherwise.
    func testMountPointPublishesByGenerations() throws {
        let dir = try Harness.scratch("publish-mount")
        defer { try? fm.removeItem(at: dir) }
        let out = dir.appendingPathComponent("volume"), plain = dir.appendingPathComponent("plain")
        try fm.createDirectory(at: out, withIntermediateDirectories: true)
        guard getuid() == 0, (try? TimedRun.run(["-t", "tmpfs", "motcua-test", out.path], in: dir, deadline: 20, executable: URL(fileURLWithPath: "/bin/mount")))?.status == 0 else {
            throw XCTSkip("mounting a tmpfs needs root")
        }
        defer { _ = try? TimedRun.run([out.path], in: dir, deadline: 20, executable: URL(fileURLWithPath: "/bin/umount")) }
        let r = try Harness.run(["run", "pipelines/sample.yaml", "--out", out.path, "--rules", "qd766"], in: Harness.projectDir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("it is a mount point"), r.stderr)
        XCTAssertEqual(try runSample(plain, rules: "qd766").status, 0)
        XCTAssertEqual(try published(out), try published(plain))
        XCTAssertEqual(try runSample(out, rules: "tt01").status, 0)
        XCTAssertEqual(try generations(out), ["1", "2", "current"])
    }
}
