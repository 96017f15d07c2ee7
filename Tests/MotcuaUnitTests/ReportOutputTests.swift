// report.html's renderer in-process: the data-quality block shows the run's per-unit rows (the
// rows of data-quality.csv), and says when there are none; a unit
// whose rows are all zero shows `—` for its ratios, never a division by zero; a name holding
// the sections' marker renders the page whole.
import XCTest
@testable import MotcuaFoundation
@testable import MotcuaAggregate
@testable import MotcuaOutput

final class ReportOutputTests: XCTestCase {
    /// A province with one district, one period, every counter 0, no KPI rows.
    private func results() -> RunResults {
        let units = UnitModel(catalog: [UnitInfo(code: "P", name: "UBND tỉnh <P>", tier: "tinh", parent: ""),
                                        UnitInfo(code: "D", name: "UBND huyện D", tier: "huyen", parent: "P")],
                              dossierUnitCodes: [])
        let period = Period(label: "2024-03", from: Int32(daysFromCivil(2024, 3, 1)), to: Int32(daysFromCivil(2024, 3, 31)))
        let zero = [Int64](repeating: 0, count: counterColumns.count)
        let rows = [CounterRow(period: 0, unit: 0, scope: .own, sector: "", values: zero),
                    CounterRow(period: 0, unit: 0, scope: .subtree, sector: "", values: zero),
                    CounterRow(period: 0, unit: 1, scope: .own, sector: "", values: zero)]
        let rollup = RollupResult(rows: rows, kpis: KPITable(), units: units, tally: DossierTally())
        let summary = SummaryOutput(pipeline: "p", rules: .tt01, periods: [period], inputs: [], accounting: Accounting(),
                                    rejectsByReason: [:], unknownUnits: [], warnings: [], wallSeconds: 0, threads: 1)
        return RunResults(rollup: rollup, periods: [period], catalogs: Catalogs(), summary: summary, threads: 1)
    }

    func testQualityRowsAreShown() throws {
        var given = results()
        given.dataQuality = [DataQualityRow(unitCode: "D", unitName: "UBND huyện D", check: "done_without_return",
                                            checkName: "Đã giải quyết nhưng không có ngày trả", count: 1234, examples: ["D-1", "D-2"])]
        let with = String(decoding: try ReportOutput.html(given), as: UTF8.self)
        XCTAssertTrue(with.contains("Hồ sơ gây lỗi thống kê, theo đơn vị"))
        XCTAssertTrue(with.contains("<tr data-u=\"D\" data-c=\"done_without_return\"><th>UBND huyện D</th>"
            + "<td class=\"tx\">Đã giải quyết nhưng không có ngày trả</td><td class=\"tx\"><code>done_without_return</code></td><td>1.234</td>"
            + "<td class=\"ex\">D-1, D-2</td></tr>"), with)
        let empty = String(decoding: try ReportOutput.html(results()), as: UTF8.self)
        XCTAssertTrue(empty.contains("Không phát hiện hồ sơ nào."))
    }

    func testZerosAndEscaping() throws {
        let html = String(decoding: try ReportOutput.html(results()), as: UTF8.self)
        XCTAssertTrue(html.contains("UBND tỉnh &lt;P&gt;"), "names are escaped")
        XCTAssertFalse(html.contains("<P>"))
        XCTAssertTrue(html.contains("<div class=\"kv\" data-f=\"value\">—</div>"), "no KPI row: no value")
        XCTAssertTrue(html.contains("Không có bản ghi nào bị loại."))
        XCTAssertTrue(html.contains("Kỳ báo cáo: Tháng 3/2024 <small>(01/03/2024 – 31/03/2024)</small>"))
        XCTAssertFalse(html.contains("Diễn biến qua các kỳ</h2>"), "one period: no trends")
        XCTAssertEqual(try ReportOutput.html(results()), try ReportOutput.html(results()))
    }

    /// A name that holds the sections' marker (the page is then rendered whole, not streamed
    /// around the marker) gives the page another name gives, that name aside.
    func testMarkerInTheDataRendersThePageWhole() throws {
        func page(_ name: String) throws -> String {
            var given = results()
            given.dataQuality = [DataQualityRow(unitCode: "D", unitName: name, check: "done_without_return",
                                                checkName: "Đã giải quyết nhưng không có ngày trả", count: 1, examples: ["D-1"])]
            return String(decoding: try ReportOutput.html(given), as: UTF8.self)
        }
        let marker = "\u{1}motcua-sections-1\u{1}"
        let whole = try page("UBND \(marker)")
        XCTAssertEqual(whole.components(separatedBy: marker).count, 2, "the marker stays in the name, once")
        XCTAssertEqual(whole.components(separatedBy: "Kỳ báo cáo: Tháng 3/2024").count, 2, "the period's section, once")
        XCTAssertEqual(whole.replacingOccurrences(of: marker, with: "X"), try page("UBND X"))
    }

    /// Each period's section is rendered on its own, a signal heard before each.
    func testStopsBetweenPeriods() throws {
        var given = results()
        given.isCancelled = { true }
        XCTAssertThrowsError(try ReportOutput.html(given)) { e in XCTAssertTrue(e is Interrupted, "\(e)") }
    }
}
