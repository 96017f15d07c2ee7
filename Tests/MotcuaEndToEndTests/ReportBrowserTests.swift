// report.html in a real browser: Debian's headless Chromium (scripts/install-deps.sh installs
// it) opens the report of SampleData and of a generated multi-tier province, takes a
// screenshot, dumps the DOM it built and prints it to PDF (A4 landscape pages), and logs no
// console message (the page has no script; a load its Content-Security-Policy blocks would be
// one). MOTCUA_SKIP_CHROMIUM=1 skips.
import Foundation
import XCTest
import MotcuaTestSupport

final class ReportBrowserTests: XCTestCase {
    private func which(_ name: String) -> String? {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    private func chromium() throws -> String {
        if let path = which("chromium") ?? which("chromium-browser") { return path }
        if ProcessInfo.processInfo.environment["MOTCUA_SKIP_CHROMIUM"] == "1" { throw XCTSkip("MOTCUA_SKIP_CHROMIUM=1 and no chromium") }
        XCTFail("chromium is not installed: run scripts/install-deps.sh (or set MOTCUA_SKIP_CHROMIUM=1 to skip)")
        throw XCTSkip("no chromium")
    }

    /// Chromium headless on `page` with `args`: its stdout and stderr (killed after 120 s).
    private func browse(_ page: URL, _ args: [String], profile: URL) throws -> (stdout: String, stderr: String) {
        let r = try TimedRun.run(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(profile.path)",
                                  "--enable-logging=stderr", "--v=0"] + args + [page.absoluteString],
                                 in: profile.deletingLastPathComponent(), deadline: 120,
                                 executable: URL(fileURLWithPath: try chromium()))
        return (r.stdout, r.stderr)
    }

    /// Screenshot and DOM of `report`: no console message, a picture, the tiles and charts in the DOM.
    private func check(_ report: URL, in dir: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        let png = dir.appendingPathComponent("shot.png")
        let shot = try browse(report, ["--window-size=1200,2400", "--screenshot=\(png.path)"], profile: dir.appendingPathComponent("profile"))
        let console = shot.stderr.split(separator: "\n").filter { $0.contains("CONSOLE") || $0.contains("Refused to") || $0.contains("ERR_") }
        XCTAssertEqual(console, [], file: file, line: line)
        let bytes = try Data(contentsOf: png)
        XCTAssertEqual(Array(bytes.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "a PNG", file: file, line: line)
        XCTAssertGreaterThan(bytes.count, 20_000, "a page with content", file: file, line: line)
        let dom = try browse(report, ["--dump-dom"], profile: dir.appendingPathComponent("profile"))
        XCTAssertTrue(dom.stdout.contains("class=\"tile "), file: file, line: line)
        XCTAssertTrue(dom.stdout.contains("<svg"), file: file, line: line)
        XCTAssertTrue(dom.stdout.contains("Báo cáo tình hình giải quyết thủ tục hành chính"), file: file, line: line)
        XCTAssertFalse(dom.stdout.contains("<script"), file: file, line: line)
        // Printed as a reader's browser prints it: every page A4 landscape (842 × 595 points).
        let pdf = dir.appendingPathComponent("report.pdf")
        _ = try browse(report, ["--no-pdf-header-footer", "--print-to-pdf=\(pdf.path)"], profile: dir.appendingPathComponent("profile"))
        let boxes = String(decoding: try Data(contentsOf: pdf), as: UTF8.self).components(separatedBy: "/MediaBox [").dropFirst()
            .map { $0.prefix { $0 != "]" }.split(separator: " ").compactMap { Double($0) } }
        XCTAssertGreaterThan(boxes.count, 1, "pages", file: file, line: line)
        for box in boxes {
            XCTAssertEqual(box.count, 4, file: file, line: line)
            XCTAssertEqual(box.last.map { ($0 * 10).rounded() / 10 }, 595, "A4 height", file: file, line: line)
            XCTAssertEqual(box.dropLast().last.map { ($0 * 10).rounded() / 10 }, 841.9, "A4 landscape width", file: file, line: line)
        }
    }

    func testSampleReportRendersWithoutConsoleMessages() throws {
        _ = try chromium()
        let dir = try Harness.scratch("browser")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let r = try Harness.run(["run", Harness.projectDir.appendingPathComponent("pipelines/sample.yaml").path, "--quiet",
                                 "--out", dir.appendingPathComponent("out").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        try check(dir.appendingPathComponent("out/report.html"), in: dir)
    }

    func testGeneratedProvinceReportRendersWithoutConsoleMessages() throws {
        _ = try chromium()
        let dir = try Harness.scratch("browser")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let g = try Harness.run(["generate", "--out", dir.appendingPathComponent("gen").path, "--units", "60", "--days", "90", "--seed", "7"])
        XCTAssertEqual(g.status, 0, g.stderr)
        try """
        version: 1
        name: province-60
        inputs: [{ format: dvcqg-ndjson, paths: ["gen/exports/*.ndjson.gz"] }]
        catalogs: { units: gen/catalogs/units.csv, procedures: gen/catalogs/procedures.csv }
        periods: { kind: month, from: 2024-02-01, to: 2024-05-31 }
        rules: qd766
        targets:
          - { kpi: on_time_rate, min: 0.95 }
          - { kpi: online_rate, tier: xa, min: 0.30 }
        outputs: { dir: out, formats: [csv], report: true }
        limits: { max_reject_rate: 0.01 }

        """.write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        let r = try Harness.run(["run", "p.yaml", "--quiet", "--as-of", "2024-05-18"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        try check(dir.appendingPathComponent("out/report.html"), in: dir)
    }
}
