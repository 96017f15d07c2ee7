// report.html from the built binary (issue 15): every figure it shows is its cell of
// counters.csv, kpis.csv or summary.json, written the Vietnamese way (checked here with a
// formatter of the test's own); every unit of every period is in its tier's table; the page is
// self-contained (no script, no external URL) and the same bytes for any thread count; a
// province of 500 units over 24 months stays under 5 MB.
import Foundation
import XCTest
import MotcuaTestSupport

/// A CSV file (header, LF, `"` quotes) as rows of column → cell.
func csvRecords(_ url: URL) throws -> [[String: String]] {
    let text = try String(contentsOf: url, encoding: .utf8)
    var rows: [[String]] = [], row: [String] = [], cell = "", quoted = false
    for ch in text {
        if quoted {
            if ch == "\"" { quoted = false } else { cell.append(ch) }
        } else if ch == "\"" {
            quoted = true
        } else if ch == "," {
            row.append(cell); cell = ""
        } else if ch == "\n" {
            row.append(cell); rows.append(row); row = []; cell = ""
        } else {
            cell.append(ch)
        }
    }
    guard let header = rows.first else { return [] }
    return rows.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
}

/// The test's own Vietnamese formatting of published cells.
enum Vietnamese {
    static func integer(_ s: String) -> String {
        var digits = Array(s), out = ""
        let negative = digits.first == "-"
        if negative { digits.removeFirst() }
        for (i, d) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(".") }
            out.append(d)
        }
        return (negative ? "-" : "") + out
    }

    /// A 6-decimal cell ("0.940512") as micro-units.
    static func micros(_ s: String) -> Int64 {
        let parts = s.split(separator: ".")
        return Int64(parts[0])! * 1_000_000 + Int64(parts[1])!
    }

    /// `0.940512` → `94,05 %` (half up at the third decimal of the percentage); empty → `—`.
    static func percent(_ s: String) -> String {
        guard !s.isEmpty else { return "—" }
        let hundredths = (micros(s) + 50) / 100
        return "\(integer(String(hundredths / 100))),\(String(format: "%02d", hundredths % 100)) %"
    }

    /// QĐ 766 points: 20 × value with 2 decimals.
    static func points(_ s: String) -> String {
        guard !s.isEmpty else { return "—" }
        let hundredths = (micros(s) * 20 + 5_000) / 10_000
        return "\(hundredths / 100),\(String(format: "%02d", hundredths % 100))"
    }
}

final class ReportTests: XCTestCase {
    /// Runs `pipeline` with `args`; the output directory.
    private func run(_ pipeline: URL, _ args: [String] = []) throws -> URL {
        let out = try Harness.scratch("report")
        addTeardownBlock { try? FileManager.default.removeItem(at: out) }
        let r = try Harness.run(["run", pipeline.path, "--quiet", "--out", out.path] + args)
        XCTAssertEqual(r.status, 0, r.stderr)
        return out
    }

    private var samplePipeline: URL { Harness.projectDir.appendingPathComponent("pipelines/sample.yaml") }

    /// A copy of the sample pipeline with its rules set to `rules` and lines of `extra` added.
    private func samplePipeline(rules: String, extra: String = "") throws -> URL {
        let dir = try Harness.scratch("report-pipeline")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        var yaml = try String(contentsOf: samplePipeline, encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "../SampleData", with: Harness.projectDir.appendingPathComponent("SampleData").path)
        yaml = yaml.replacingOccurrences(of: "rules: tt01", with: "rules: \(rules)") + extra
        let file = dir.appendingPathComponent("p.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    /// Checks every figure of `out`/report.html against its cell; returns how many were checked.
    @discardableResult
    private func checkFigures(_ out: URL, file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        let page = ReportReader(html)
        var counters: [String: [String: String]] = [:], kpis: [String: [String: String]] = [:]
        for r in try csvRecords(out.appendingPathComponent("counters.csv")) where r["sector_code"]!.isEmpty {
            counters["\(r["period"]!)|\(r["unit_code"]!)|\(r["scope"]!)"] = r
        }
        for r in try csvRecords(out.appendingPathComponent("kpis.csv")) {
            kpis["\(r["period"]!)|\(r["unit_code"]!)|\(r["scope"]!)|\(r["kpi"]!)"] = r
        }
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
        let accounting = summary["accounting"] as! [String: Int]
        let reasons = summary["rejects_by_reason"] as! [String: Int]
        XCTAssertFalse(page.figures.isEmpty, file: file, line: line)
        for f in page.figures {
            guard let field = f["f"] else { continue }
            if let reason = f["r"] {
                XCTAssertEqual(f.text, Vietnamese.integer(String(reasons[reason] ?? -1)), "\(f)", file: file, line: line)
                continue
            }
            guard let p = f["p"], let u = f["u"], let s = f["s"] else {
                XCTAssertEqual(f.text, Vietnamese.integer(String(accounting[field] ?? -1)), "summary: \(f)", file: file, line: line)
                continue
            }
            if let k = f["k"] {
                guard let row = kpis["\(p)|\(u)|\(s)|\(k)"] else { XCTFail("no kpis.csv row for \(f)", file: file, line: line); continue }
                let met = row["met"]!
                switch field {
                case "value":
                    // A rate with a target carries the mark of `met` after it.
                    var text = f.text, mark = ""
                    if text.hasSuffix(" ✓") || text.hasSuffix(" ✗") { mark = String(text.suffix(1)); text = String(text.dropLast(2)) }
                    XCTAssertEqual(text, Vietnamese.percent(row["value"]!), "\(f)", file: file, line: line)
                    // A table's rate cell (class ok / miss) carries its mark; a tile says it in words.
                    if !mark.isEmpty || ["ok", "miss"].contains(f.attributes["class"] ?? "") {
                        XCTAssertEqual(mark, met == "true" ? "✓" : met == "false" ? "✗" : "", "mark of \(f)", file: file, line: line)
                    }
                case "numerator", "denominator":
                    XCTAssertEqual(f.text, Vietnamese.integer(row[field]!), "\(f)", file: file, line: line)
                case "target_min", "target_max":
                    XCTAssertEqual(f.text, Vietnamese.percent(row[field]!), "\(f)", file: file, line: line)
                case "met":
                    XCTAssertEqual(f.text, met == "true" ? "✓ Đạt" : "✗ Chưa đạt", "\(f)", file: file, line: line)
                    XCTAssertFalse(met.isEmpty, "\(f)", file: file, line: line)
                case "points":
                    XCTAssertEqual(f.text, Vietnamese.points(row["value"]!), "\(f)", file: file, line: line)
                default:
                    XCTFail("unknown KPI field \(f)", file: file, line: line)
                }
            } else {
                guard let row = counters["\(p)|\(u)|\(s)"], let cell = row[field] else {
                    XCTFail("no counters.csv cell for \(f)", file: file, line: line); continue
                }
                XCTAssertEqual(f.text, Vietnamese.integer(cell), "\(f)", file: file, line: line)
            }
        }
        // Every unit of every period is in its tier's table, once, in the scope of its KPIs' targets.
        var expected = Set<String>()
        let parents = Set(counters.values.map { $0["parent_code"]! })
        for r in counters.values where r["scope"] == (parents.contains(r["unit_code"]!) ? "subtree" : "own") {
            expected.insert("\(r["period"]!)|\(r["unit_code"]!)|\(r["scope"]!)")
        }
        let shown = page.unitRows.map { "\($0["data-p"]!)|\($0["data-u"]!)|\($0["data-s"]!)" }
        XCTAssertEqual(shown.count, Set(shown).count, "a unit twice in a period", file: file, line: line)
        XCTAssertEqual(Set(shown), expected, file: file, line: line)
        return page.figures.count
    }

    func testEveryFigureIsItsCellOfCountersKPIsAndSummary() throws {
        let out = try run(samplePipeline)
        let checked = try checkFigures(out)
        // 2 periods × (14 tiles × 3–5 figures + 16 units × 11 columns) + trends + header and rejects.
        XCTAssertGreaterThan(checked, 2 * (14 * 3 + 16 * 11))
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        for text in ["Báo cáo tình hình giải quyết thủ tục hành chính", "Kỳ báo cáo: Tháng 3/2024", "(01/03/2024 – 31/03/2024)",
                     "Sở, ban, ngành", "Cấp huyện", "Cấp xã", "Biểu II.06a tóm tắt", "Diễn biến qua các kỳ", "Chất lượng dữ liệu",
                     "Chỉ tiêu ≥ <span data-f=\"target_min\">95,00\u{00A0}%</span>", "✗ Chưa đạt", "000.00.31.H56"] {
            XCTAssertTrue(html.contains(text), text)
        }
        // Latest period first.
        XCTAssertLessThan(html.range(of: "Tháng 3/2024")!.lowerBound, html.range(of: "Kỳ báo cáo: Tháng 2/2024")!.lowerBound)
    }

    /// The data-quality part lists the rows of data-quality.csv: each unit and check with its
    /// count (Vietnamese digits) and examples.
    func testDataQualityRowsAreThoseOfTheCSV() throws {
        let pipeline = try samplePipeline(rules: "tt01", extra: "")
        var yaml = try String(contentsOf: pipeline, encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "report: true }", with: "report: true, data_quality: true }")
        try yaml.write(to: pipeline, atomically: true, encoding: .utf8)
        let out = try run(pipeline, ["--as-of", "2024-03-31"])
        let rows = parseCSV(try String(contentsOf: out.appendingPathComponent("data-quality.csv"), encoding: .utf8))
        XCTAssertGreaterThan(rows.count, 1, "the sample has suspicious dossiers")
        let h = rows[0]
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        for row in rows.dropFirst() {
            func v(_ c: String) -> String { row[h.firstIndex(of: c)!] }
            let count = Int(v("count"))!
            let digits = String(count).reversed().enumerated().reduce(into: "") { acc, e in
                if e.offset > 0 && e.offset % 3 == 0 { acc.append(".") }
                acc.append(e.element)
            }
            let cell = "<tr data-u=\"\(v("unit_code"))\" data-c=\"\(v("check"))\">"
            guard let r = html.range(of: cell) else { XCTFail("no row for \(cell)"); continue }
            let tail = html[r.upperBound...].prefix(600)
            XCTAssertTrue(tail.contains("<td>\(String(digits.reversed()))</td>"), "\(cell): \(tail)")
        }
    }

    /// The rankings' bars say what the table under them says: each bar's title and value are
    /// its unit's rate cell (on-time in the first chart, online in the second), its length is
    /// the rate's share of the 0–100 % axis, its colour and mark are the cell's.
    func testRankingBarsAreTheTablesRates() throws {
        let out = try run(samplePipeline)
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        func matches(_ pattern: String, _ text: String) -> [[String]] {
            let re = try! NSRegularExpression(pattern: pattern)
            return re.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { m in
                (0..<m.numberOfRanges).map { m.range(at: $0).location == NSNotFound ? "" : String(text[Range(m.range(at: $0), in: text)!]) }
            }
        }
        let sections = html.components(separatedBy: "<section class=\"tier big\"").dropFirst().map { $0.components(separatedBy: "</section>")[0] }
        XCTAssertEqual(sections.count, 2 * 3, "so_nganh, huyen and xa in both periods")
        var bars = 0
        for section in sections {
            // name → its row's cells after the name.
            var table: [String: [String]] = [:]
            for row in matches(#"<tr data-u="[^"]*"(?: data-s="[^"]*")?><td>\d+<th>([^<]*)((?:<td[^>]*>[^<\n]*)+)"#, section) {
                table[row[1]] = row[2].components(separatedBy: "<td").dropFirst().map { String($0[$0.index(after: $0.firstIndex(of: ">")!)...]) }
            }
            XCTAssertFalse(table.isEmpty)
            let charts = section.components(separatedBy: "class=\"chart bars\"").dropFirst()
            XCTAssertEqual(charts.count, 2)
            for (index, chart) in charts.enumerated() {
                let column = index == 0 ? 7 : 2   // on_time_rate, online_rate
                for bar in matches(#"<g><title>([^<]*): ([^<(]*) \(\d+/\d+\)</title><text[^>]*>[^<]*</text><rect x="([0-9.]+)" y="[0-9.]+" width="([0-9.]+)" height="11" class="(met|miss)"/><text[^>]*>([^<]*)</text></g>"#, chart) {
                    let cell = try XCTUnwrap(table[bar[1]], bar[1])[column]
                    XCTAssertEqual(bar[6], cell, "\(bar[1]): the bar's value is the table's")
                    XCTAssertTrue(cell.hasPrefix(bar[2]), "\(bar[1]): the bar's title")
                    XCTAssertEqual(bar[5] == "miss", cell.hasSuffix("✗"), "\(bar[1]): colour and mark")
                    let rate = Double(bar[2].replacingOccurrences(of: ",", with: ".").replacingOccurrences(of: "\u{00A0}%", with: ""))!
                    XCTAssertEqual(Double(bar[4])! / (406 - 170), rate / 100, accuracy: 0.001, "\(bar[1]): the bar's length")
                    bars += 1
                }
            }
        }
        XCTAssertEqual(bars, 2 * 2 * (3 + 3 + 8), "every unit of every charted tier, in both rankings, in both periods")
    }

    /// Under qd766: progress points (20 × progress_rate) in the tiles, the tables and a trend;
    /// a partial period says so.
    func testQD766PointsAndAPartialPeriod() throws {
        let out = try run(try samplePipeline(rules: "qd766"), ["--as-of", "2024-03-20"])
        try checkFigures(out)
        let page = ReportReader(try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8))
        let points = page.figures.filter { $0["f"] == "points" }
        XCTAssertTrue(points.contains { $0.attributes["data-u"] == "000.00.00.H56" && $0["p"] == "2024-03" && $0.attributes["data-k"] == "progress_rate" })
        XCTAssertGreaterThan(points.count, 2 * 16)
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("Kỳ chưa kết thúc: số liệu tạm tính đến hết ngày 20/03/2024"))
        XCTAssertTrue(html.contains("Điểm tiến độ giải quyết (QĐ 766: 20 × tiến độ)"))
    }

    /// One file: no script, nothing loaded from elsewhere (the page's policy forbids it too),
    /// inline CSS with print rules for A4 landscape; well-formed outside the units' table rows.
    func testSelfContainedAndPrintable() throws {
        let out = try run(samplePipeline)
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertFalse(html.lowercased().contains("<script"))
        for needle in ["src=", "url(", "@import", "<link", "<img", "<iframe", "http://", "https://"] {
            // The SVG namespace is a name, not a load.
            let rest = html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
            XCTAssertFalse(rest.contains(needle), needle)
        }
        for href in html.components(separatedBy: "href=\"").dropFirst() { XCTAssertTrue(href.hasPrefix("#"), String(href.prefix(40))) }
        XCTAssertTrue(html.contains("default-src 'none'"))
        XCTAssertTrue(html.contains("@page{size:A4 landscape"))
        XCTAssertTrue(html.contains("break-before:page"))
        XCTAssertTrue(html.contains("\"Noto Sans\""))
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"vi\">"))
        // Every tag the page opens it closes, except the table cells and rows HTML lets it leave open.
        var depth: [String: Int] = [:]
        for t in ReportReader(html).tags {
            if t.hasPrefix("/") { depth[String(t.dropFirst()), default: 0] -= 1 } else { depth[t, default: 0] += 1 }
        }
        for (tag, d) in depth where !["td", "th", "tr", "meta", "!doctype", "rect", "line", "circle", "path"].contains(tag) {
            XCTAssertEqual(d, 0, "<\(tag)> opened and closed unevenly")
        }
    }

    func testSameBytesForAnyThreadCount() throws {
        let one = try run(samplePipeline, ["--threads", "1"])
        let three = try run(samplePipeline, ["--threads", "3"])
        let a = try Data(contentsOf: one.appendingPathComponent("report.html"))
        XCTAssertEqual(a, try Data(contentsOf: three.appendingPathComponent("report.html")))
        XCTAssertGreaterThan(a.count, 10_000)
    }

    /// Off unless asked: `outputs.report` is a switch of the output table; a run without it
    /// drops a report.html an earlier run left.
    func testOnlyWhenSwitchedOn() throws {
        let dir = try fixtureCopy("breakdown_sector", outputs: "{ dir: out, formats: [csv], report: true }")
        let out = try runPipeline(in: dir)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("report.html").path))
        try checkFigures(out)
        let off = try fixtureCopy("breakdown_sector", outputs: "{ dir: out, formats: [csv], report: false }")
        try FileManager.default.copyItem(at: out, to: off.appendingPathComponent("out"))
        let again = try runPipeline(in: off)
        XCTAssertFalse(FileManager.default.fileExists(atPath: again.appendingPathComponent("report.html").path))
        let bad = try fixtureCopy("breakdown_sector", outputs: "{ dir: out, report: yes-please }")
        let r = try Harness.run(["validate", "pipeline.yaml"], in: bad)
        XCTAssertEqual(r.status, 78, r.stderr)
        XCTAssertTrue(r.stderr.contains("outputs.report"), r.stderr)
    }

    /// 500 units over 24 months: the page stays under 5 MB (its time is a benchmark:
    /// scripts/bench/report.sh, BENCHMARKS.md).
    func testFiveHundredUnitsOverTwentyFourMonthsUnderFiveMegabytes() throws {
        let dir = try Harness.scratch("report-500")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let g = try Harness.run(["generate", "--out", dir.appendingPathComponent("gen").path, "--units", "500", "--days", "730",
                                 "--dossiers-per-day", "40", "--seed", "3"])
        XCTAssertEqual(g.status, 0, g.stderr)
        let yaml = """
        version: 1
        name: province-500
        inputs: [{ format: dvcqg-ndjson, paths: ["gen/exports/*.ndjson.gz"] }]
        catalogs: { units: gen/catalogs/units.csv, procedures: gen/catalogs/procedures.csv }
        periods: { kind: month, from: 2024-03-01, to: 2026-02-28 }
        targets:
          - { kpi: on_time_rate, min: 0.95 }
          - { kpi: online_rate, tier: xa, min: 0.30 }
        outputs: { dir: out, formats: [csv], report: true }
        limits: { max_reject_rate: 0.02 }

        """
        try yaml.write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        let r = try Harness.run(["run", "p.yaml", "--quiet"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let html = try Data(contentsOf: dir.appendingPathComponent("out/report.html"))
        XCTAssertLessThan(html.count, 5_000_000)
        let page = ReportReader(String(decoding: html, as: UTF8.self))
        XCTAssertEqual(Set(page.unitRows.map { $0["data-p"]! }).count, 24)
        XCTAssertGreaterThanOrEqual(page.unitRows.count, 24 * 500)
    }
}
