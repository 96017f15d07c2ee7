// SPEC §2.1's listing rules: a directory is walked once (a symlink back into the walk is not
// followed, and named), one file reached by several paths is read once at the first of its
// paths in bytewise order, and a warning names the others.
import Foundation
import XCTest
import MotcuaTestSupport

final class ListingTests: XCTestCase {
    func testSymlinkLoopsAndAliasesAreReadOnce() throws {
        let dir = try Harness.scratch("listing")
        defer { try? FileManager.default.removeItem(at: dir) }
        let fm = FileManager.default
        try fm.createDirectory(at: dir.appendingPathComponent("d/sub"), withIntermediateDirectories: true)
        let export = Harness.projectDir.appendingPathComponent("SampleData/exports/hoso-2024-02-19.ndjson.gz")
        try fm.copyItem(at: export, to: dir.appendingPathComponent("d/sub/x.ndjson.gz"))
        // A loop (d/sub/loop → d), a symlinked file and a hard link.
        try fm.createSymbolicLink(atPath: dir.appendingPathComponent("d/sub/loop").path, withDestinationPath: "..")
        try fm.createSymbolicLink(atPath: dir.appendingPathComponent("d/b-alias.ndjson.gz").path, withDestinationPath: "sub/x.ndjson.gz")
        try fm.linkItem(at: dir.appendingPathComponent("d/sub/x.ndjson.gz"), to: dir.appendingPathComponent("d/c-hard.ndjson.gz"))
        try """
        version: 1
        name: listing
        inputs:
          - { format: dvcqg-ndjson, paths: ["d/**/*.ndjson.gz"] }
        periods: { kind: month, from: 2024-02-01, to: 2024-02-29 }
        outputs: { dir: out }
        """.write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        let r = try Harness.run(["run", "p.yaml", "--quiet"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("out/summary.json"))) as! [String: Any]
        XCTAssertEqual((summary["inputs"] as? [[String: Any]])?.map { $0["path"] as? String }, ["d/b-alias.ndjson.gz"])
        let warnings = summary["warnings"] as? [String] ?? []
        XCTAssertTrue(warnings.contains("'d/sub/loop' leads to the directory 'd' walked already (a symbolic link): not followed"), "\(warnings)")
        XCTAssertTrue(warnings.contains("'d/c-hard.ndjson.gz' is the same file as 'd/b-alias.ndjson.gz': read once, as 'd/b-alias.ndjson.gz'"), "\(warnings)")
        XCTAssertTrue(warnings.contains("'d/sub/x.ndjson.gz' is the same file as 'd/b-alias.ndjson.gz': read once, as 'd/b-alias.ndjson.gz'"), "\(warnings)")
        // The same counts as the file read alone.
        let one = (summary["accounting"] as? [String: Int])?["records"]
        try fm.removeItem(at: dir.appendingPathComponent("d"))
        try fm.createDirectory(at: dir.appendingPathComponent("d"), withIntermediateDirectories: true)
        try fm.copyItem(at: export, to: dir.appendingPathComponent("d/x.ndjson.gz"))
        XCTAssertEqual(try Harness.run(["run", "p.yaml", "--quiet"], in: dir).status, 0)
        let alone = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("out/summary.json"))) as! [String: Any]
        XCTAssertEqual((alone["accounting"] as? [String: Int])?["records"], one)
    }

    /// An empty output directory is a usage (or config) error, not the current directory.
    func testEmptyOutputDirectoryIsRefused() throws {
        let dir = try Harness.scratch("empty-out")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("d"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Harness.projectDir.appendingPathComponent("SampleData/exports/hoso-2024-02-19.ndjson.gz"),
                                         to: dir.appendingPathComponent("d/x.ndjson.gz"))
        let yaml = """
        version: 1
        name: e
        inputs:
          - { format: dvcqg-ndjson, paths: ["d/*.ndjson.gz"] }
        periods: { kind: month, from: 2024-02-01, to: 2024-02-29 }
        outputs: { dir: "OUT" }
        """
        try yaml.replacingOccurrences(of: "\"OUT\"", with: "out").write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        var r = try Harness.run(["run", "p.yaml", "--quiet", "--out", ""], in: dir)
        XCTAssertEqual(r.status, 64, r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("summary.json").path))
        try yaml.replacingOccurrences(of: "\"OUT\"", with: "\"\"").write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        r = try Harness.run(["run", "p.yaml", "--quiet"], in: dir)
        XCTAssertEqual(r.status, 78, r.stderr)
        XCTAssertTrue(r.stderr.contains("outputs.dir: empty"), r.stderr)
    }
}
