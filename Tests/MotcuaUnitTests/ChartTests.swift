// MotcuaCharts (report.html's charts) and the Vietnamese formatter: nice ticks, the geometry
// of bars, stacked bars and lines, escaping, well-formed SVG, the same bytes every time.
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import MotcuaFoundation
@testable import MotcuaCharts

final class NiceScaleTests: XCTestCase {
    func testTicksAreRoundNumbersCoveringTheData() {
        // Heckbert's loose labels: the range rounded up to a nice number, a nice step that gives
        // at most about maxTicks ticks, the axis widened to whole steps.
        XCTAssertEqual(NiceScale(low: 0, high: 1).ticks, [0, 0.25, 0.5, 0.75, 1])
        XCTAssertEqual(NiceScale(low: 0, high: 1234).ticks, [0, 500, 1000, 1500])
        XCTAssertEqual(NiceScale(low: 0, high: 97).ticks, [0, 25, 50, 75, 100])
        XCTAssertEqual(NiceScale(low: 0.873, high: 0.981).ticks, [0.85, 0.9, 0.95, 1])
        XCTAssertEqual(NiceScale(low: 0, high: 7).ticks, [0, 2.5, 5, 7.5])
        XCTAssertEqual(NiceScale(low: 3, high: 3).ticks.first, 0, "a single value starts at 0")
        XCTAssertEqual(NiceScale(low: 0, high: 0).ticks, [0, 0.25, 0.5, 0.75, 1], "nothing to show: 0…1")
        XCTAssertEqual(NiceScale(low: 0.3, high: 0.1).min, 0.1, "a reversed range is taken in order")
        // Whatever the data, the ticks cover it with at most about maxTicks round steps.
        for (lo, hi) in [(0.0, 13.0), (2.0, 1_000_003.0), (0.0012, 0.0049), (0.91, 0.915), (0, 20.0)] {
            let s = NiceScale(low: lo, high: hi, maxTicks: 6)
            XCTAssertLessThanOrEqual(s.min, lo)
            XCTAssertGreaterThanOrEqual(s.max, hi)
            XCTAssertLessThanOrEqual(s.ticks.count, 8, "\(lo)…\(hi): \(s.ticks)")
            var mantissa = s.step
            while mantissa >= 10 { mantissa /= 10 }
            while mantissa < 1 { mantissa *= 10 }
            XCTAssertTrue([1, 2, 2.5, 5].contains { abs($0 - mantissa) < 1e-9 }, "step \(s.step)")
        }
    }

    func testNoFloatingPointDust() {
        // 3 × 0.1 is 0.30000000000000004 in binary; ticks are rounded to the step's decimals.
        let s = NiceScale(low: 0, high: 0.7, maxTicks: 8)
        XCTAssertEqual(s.ticks, [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7])
        XCTAssertEqual(s.decimals, 1)
        XCTAssertEqual(NiceScale(low: 0, high: 1).decimals, 2)
    }

    func testIntegerStepsForCounts() {
        XCTAssertEqual(NiceScale(low: 0, high: 7, maxTicks: 5, integers: true).ticks, [0, 2, 4, 6, 8])
        XCTAssertEqual(NiceScale(low: 0, high: 9, maxTicks: 5, integers: true).step, 2, "2.5 is not a count")
        XCTAssertEqual(NiceScale(low: 0, high: 2, maxTicks: 5, integers: true).ticks, [0, 1, 2])
    }

    func testPosition() {
        let s = NiceScale(min: 0, max: 1, step: 0.25)
        XCTAssertEqual(s.position(0.5, length: 200), 100)
        XCTAssertEqual(s.position(0, length: 200), 0)
    }
}

final class ChartGeometryTests: XCTestCase {
    private func bar(_ name: String, _ v: Double?) -> ChartRow<BarChart.Bar> {
        .bar(BarChart.Bar(label: name, value: v, valueLabel: "\(v ?? -1)", note: name, cssClass: "met"))
    }

    func testBarsStartAtZeroAndAreProportional() {
        var chart = BarChart(title: "t", desc: "d", rows: [bar("a", 1), bar("b", 0.5), bar("c", nil), .gap("…"), bar("d", 0)],
                             scale: NiceScale(min: 0, max: 1, step: 0.25), tickLabel: { "\($0)" })
        chart.width = 500
        chart.labelWidth = 150
        chart.valueWidth = 50
        let g = chart.geometry()
        // The plot is 300 points wide from x = 150; rows are 16 points, bars 11, centred.
        XCTAssertEqual(g[0], ChartRect(x: 150, y: 22.5, width: 300, height: 11))
        XCTAssertEqual(g[1], ChartRect(x: 150, y: 38.5, width: 150, height: 11))
        XCTAssertNil(g[2], "no value, no bar")
        XCTAssertNil(g[3], "a gap row")
        XCTAssertEqual(g[4]?.width, 0)
        XCTAssertEqual(chart.frame.height, 20 + 5 * 16 + 4)
    }

    func testValuesOutsideTheScaleAreClamped() {
        let chart = BarChart(title: "t", desc: "d", rows: [bar("a", 1.7)], scale: NiceScale(min: 0, max: 1, step: 0.5), tickLabel: { "\($0)" })
        XCTAssertEqual(chart.geometry()[0]!.width, chart.frame.plotWidth)
    }

    func testStackedPartsAreAdjacent() {
        var chart = StackedBarChart(title: "t", desc: "d", legend: [("early", "Trước hạn"), ("ontime", "Đúng hạn"), ("late", "Quá hạn")],
                                    rows: [.bar(.init(label: "a", parts: [10, 0, 30], totalLabel: "40")), .gap("…")],
                                    scale: NiceScale(min: 0, max: 40, step: 10), tickLabel: { "\($0)" })
        chart.width = 500
        chart.labelWidth = 100
        chart.valueWidth = 0
        let g = chart.geometry()
        XCTAssertEqual(g[0].map(\.x), [100, 200, 200])
        XCTAssertEqual(g[0].map(\.width), [100, 0, 300])
        XCTAssertEqual(g[0][0].y, 20 + 18 + 2.5, "below the legend and the axis")
        XCTAssertEqual(g[1], [])
        // A part of 0 draws nothing.
        XCTAssertEqual(chart.svg().components(separatedBy: "class=\"ontime\"").count, 2, "only the legend's swatch")
    }

    func testLinePointsAndGaps() {
        let chart = LineChart(title: "t", desc: "d", xLabels: ["2024-01", "2024-02", "2024-03"],
                              series: [.init(name: "A", values: [0, nil, 1], valueLabels: ["0 %", "—", "100 %"])],
                              scale: NiceScale(min: 0, max: 1, step: 0.5), tickLabel: { "\($0)" })
        let p = chart.points(0)
        XCTAssertEqual(p[0]!.x, 52)
        XCTAssertEqual(p[2]!.x, chart.width - 30)
        XCTAssertEqual(p[0]!.y, 12 + 190, "0 at the bottom")
        XCTAssertEqual(p[2]!.y, 12, "1 at the top")
        XCTAssertNil(p[1])
        // The line breaks where a value is missing: two moves, no line between them.
        let svg = chart.svg()
        XCTAssertTrue(svg.contains("d=\"M52 202 M590 12\""), svg)
    }

    func testCrowdedPeriodLabelsAreThinned() {
        let labels = (1...24).map { "2024-\($0)" }
        let chart = LineChart(title: "t", desc: "d", xLabels: labels, series: [], scale: NiceScale(low: 0, high: 1), tickLabel: { "\($0)" })
        XCTAssertEqual(chart.labelledEvery, 3)
        XCTAssertEqual(LineChart(title: "t", desc: "d", xLabels: Array(labels.prefix(4)), series: [],
                                 scale: NiceScale(low: 0, high: 1), tickLabel: { "\($0)" }).labelledEvery, 1)
    }
}

final class SVGTests: XCTestCase {
    func testNumbersAndEscaping() {
        XCTAssertEqual(SVGWriter.number(12), "12")
        XCTAssertEqual(SVGWriter.number(12.34), "12.3")
        XCTAssertEqual(SVGWriter.number(-0.05), "-0.1")
        XCTAssertEqual(SVGWriter.number(0.04), "0")
        XCTAssertEqual(SVGWriter.escape("Sở \"A\" & <B>"), "Sở &quot;A&quot; &amp; &lt;B&gt;")
    }

    /// Each chart is well-formed XML, has a title and a desc, and is the same bytes twice.
    func testChartsAreWellFormedWithTitleAndDesc() throws {
        let bars = BarChart(title: "Tỷ lệ <đúng> hạn", desc: "mô tả & số liệu",
                            rows: [.bar(.init(label: "UBND xã \"A\"", value: 0.9, valueLabel: "90,00 % ✓", note: "A: 90,00 %", cssClass: "met"))],
                            scale: NiceScale(min: 0, max: 1, step: 0.25), tickLabel: { "\($0)" }, target: (0.95, "Chỉ tiêu ≥ 95 %"))
        let lines = LineChart(title: "Xu hướng", desc: "d", xLabels: ["a", "b"],
                              series: (0..<7).map { .init(name: "S\($0)", values: [0.1 * Double($0), nil], valueLabels: ["x", "—"]) },
                              scale: NiceScale(low: 0, high: 1), tickLabel: { "\($0)" }, target: (0.5, "Chỉ tiêu"))
        let stacked = StackedBarChart(title: "t", desc: "d", legend: [("within", "Trong hạn"), ("overdue", "Quá hạn")],
                                      rows: [.bar(.init(label: "a", parts: [1, 2], totalLabel: "3", note: "a: 3"))],
                                      scale: NiceScale(low: 0, high: 3, integers: true), tickLabel: { "\($0)" })
        for svg in [bars.svg(), lines.svg(), stacked.svg()] {
            let parser = XMLParser(data: Data(svg.utf8))
            XCTAssertTrue(parser.parse(), "\(parser.parserError as Any): \(svg)")
            XCTAssertTrue(svg.contains("<title>") && svg.contains("<desc>"))
        }
        XCTAssertEqual(bars.svg(), bars.svg())
        XCTAssertTrue(bars.svg().contains("<title>Tỷ lệ &lt;đúng&gt; hạn</title>"))
        // Seven series: six marker shapes and classes, then they repeat; each point has a title.
        XCTAssertEqual(lines.svg().components(separatedBy: "<title>S3 — a: x</title>").count, 2)
        XCTAssertTrue(lines.svg().contains("class=\"s0 legend\"") && lines.svg().contains("class=\"s5 legend\""))
    }

    func testPaletteIsOkabeIto() {
        for c in Palette.series { XCTAssertTrue(Palette.okabeIto.contains(c), c) }
        XCTAssertTrue(Palette.css.contains(".miss{fill:#D55E00}"))
    }
}

final class VietnameseFormatTests: XCTestCase {
    func testIntegers() {
        XCTAssertEqual(VietnameseFormat.integer(0), "0")
        XCTAssertEqual(VietnameseFormat.integer(999), "999")
        XCTAssertEqual(VietnameseFormat.integer(1234), "1.234")
        XCTAssertEqual(VietnameseFormat.integer(1_234_567), "1.234.567")
        XCTAssertEqual(VietnameseFormat.integer(-1234), "-1.234")
    }

    func testPercentagesFromMicroUnits() {
        let nbsp = "\u{00A0}"
        XCTAssertEqual(VietnameseFormat.percent(micros: 940_512), "94,05\(nbsp)%")
        XCTAssertEqual(VietnameseFormat.percent(micros: 940_550), "94,06\(nbsp)%", "half up")
        XCTAssertEqual(VietnameseFormat.percent(micros: 1_000_000), "100,00\(nbsp)%")
        XCTAssertEqual(VietnameseFormat.percent(micros: 0), "0,00\(nbsp)%")
        XCTAssertEqual(VietnameseFormat.percent(micros: 7_812), "0,78\(nbsp)%")
        XCTAssertEqual(VietnameseFormat.percent(micros: 123_456_789), "12.345,68\(nbsp)%")
    }

    func testFixedAndDecimalAndDays() {
        XCTAssertEqual(VietnameseFormat.fixed(20 * 940_512, scale: 6, digits: 2), "18,81")
        XCTAssertEqual(VietnameseFormat.fixed(5, scale: 1, digits: 0), "1")
        XCTAssertEqual(VietnameseFormat.decimal(2.5, digits: 1), "2,5")
        XCTAssertEqual(VietnameseFormat.decimal(1500, digits: 0), "1.500")
        XCTAssertEqual(VietnameseFormat.day(Int32(daysFromCivil(2024, 3, 31))), "31/03/2024")
        XCTAssertEqual(VietnameseFormat.day(Int32(daysFromCivil(2024, 1, 5))), "05/01/2024")
    }
}
