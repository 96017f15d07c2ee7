// Output encoders: micro-unit decimals written digit by digit against a String reference, and
// rows encoded in slices on several threads byte-identical to one thread (CSV and JSON), with
// the slicing itself covering every index once, in order.
import Foundation
import XCTest
import MotcuaTestSupport
@testable import MotcuaFoundation
@testable import MotcuaReading
@testable import MotcuaAggregate
@testable import MotcuaOutput
@testable import MotcuaPipeline
@testable import MotcuaRun
@testable import MotcuaGenerate

final class OutputEncodingTests: XCTestCase {
    private func reference(_ v: Int64) -> String {
        let m = v.magnitude
        let frac = String(m % 1_000_000)
        return (v < 0 ? "-" : "") + "\(m / 1_000_000)." + String(repeating: "0", count: 6 - frac.count) + frac
    }

    func testMicrosAreSixDecimals() {
        var rng = SplitMix(seed: 11)
        var values: [Int64] = [0, 1, 9, 10, 7_812, 99_999, 100_000, 999_999, 1_000_000, 1_000_001, 23_438,
                               123_456_789, -1, -1_500_000, Int64.max, Int64.min + 1]
        for _ in 0..<2_000 { values.append(Int64(bitPattern: rng.next()) >> Int64(rng.next() % 60)) }
        for v in values {
            var out: [UInt8] = []
            appendMicros(v, to: &out)
            XCTAssertEqual(String(decoding: out, as: UTF8.self), reference(v), "\(v)")
        }
        var out: [UInt8] = []
        appendMicros(7_812, to: &out)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "0.007812")
    }

    func testSlicesCoverEveryIndexOnceInOrder() {
        for count in [0, 1, 2, 5, 511, 512, 513, 1_000, 4_099] {
            for threads in [1, 2, 3, 8] {
                for minimum in [1, 7, 512] {
                    let parts = SideBySide.slices(count, threads: threads, minimum: minimum) { Array($0) }
                    XCTAssertEqual(parts.flatMap { $0 }, Array(0..<count), "\(count) \(threads) \(minimum)")
                    XCTAssertLessThanOrEqual(parts.count, max(1, threads))
                    if parts.count > 1 { XCTAssertTrue(parts.allSatisfy { $0.count >= minimum }) }
                }
            }
        }
    }

    /// Enough rows for several slices; names that need quoting and the formula guard.
    /// The files' direct CSV writers write what the cells they stand for encode to: texts that
    /// need quotes or the formula guard, zeros and negatives, KPI values with and without a
    /// denominator, targets with one bound, both or none.
    func testDirectCSVCellsMatchTheCells() {
        var rng = SplitMix(seed: 16)
        let sectors = ["", "G09-TP01", "=SUM(A1)", "a,b", "say \"x\"", "-1", "Xã\nB", "@x", "Hộ tịch"]
        for _ in 0..<2_000 {
            let values = (0..<BaseCounter.count).map { _ in Int64(bitPattern: rng.next()) >> Int64(rng.next() % 64) }
            let row = CounterRow(period: 0, unit: 0, scope: rng.next() % 2 == 0 ? .own : .subtree,
                                 sector: sectors[Int(rng.next() % UInt64(sectors.count))], values: values)
            var cells: [Cell] = [], expected: [UInt8] = [], direct: [UInt8] = []
            CountersOutput.cells(row, into: &cells)
            CSVEncoding.appendCells(cells, to: &expected)
            CountersOutput.appendCSVCells(row, to: &direct)
            XCTAssertEqual(String(decoding: direct, as: UTF8.self), String(decoding: expected, as: UTF8.self))
            func bound() -> Double? { rng.next() % 3 == 0 ? nil : Double(rng.next() % 1_000_001) / 1e6 }
            let target = rng.next() % 4 == 0 ? nil : Target(kpi: "on_time_rate", tier: nil, scope: nil, min: bound(), max: bound())
            let kpi = KPIRow(period: 0, unit: 0, scope: row.scope, kpiIndex: Int(rng.next() % UInt64(KPIs.names.count)),
                             numerator: Int64(rng.next() % 1_000), denominator: Int64(rng.next() % 3 == 0 ? 0 : rng.next() % 1_000),
                             target: target.map(TargetBounds.init))
            cells = []; expected = []; direct = []
            KPIOutput.cells(kpi, into: &cells)
            CSVEncoding.appendCells(cells, to: &expected)
            KPIOutput.appendCSVCells(kpi, to: &direct)
            XCTAssertEqual(String(decoding: direct, as: UTF8.self), String(decoding: expected, as: UTF8.self))
        }
    }

    func testRowsEncodedInSlicesMatchOneThread() throws {
        let catalog = [UnitInfo(code: "000.00.01.H56", name: "Sở \"Tài chính\", tỉnh", tier: "so_nganh", parent: ""),
                       UnitInfo(code: "000.00.02.H56", name: "=cmd", tier: "huyen", parent: "000.00.01.H56"),
                       UnitInfo(code: "000.00.03.H56", name: "Xã A\nB", tier: "xa", parent: "000.00.02.H56")]
        let units = UnitModel(catalog: catalog, dossierUnitCodes: ["000.00.09.H56"])
        var periods: [Period] = []
        for m in 1...12 {
            let from = Int32(19_723 + 31 * (m - 1))
            periods.append(Period(label: String(format: "2024-%02d", m), from: from, to: from + 30, partial: m == 12))
        }
        var rng = SplitMix(seed: 3)
        var counters: [CounterRow] = []
        var kpis: [KPIRow] = []
        for i in 0..<7_000 {
            let values = (0..<counterColumns.count).map { _ in Int64(rng.next() % 5_000) }
            counters.append(CounterRow(period: i % 12, unit: i % 4, scope: i % 3 == 0 ? .subtree : .own,
                                       sector: i % 5 == 0 ? "" : "G\(i % 7)", values: values))
            let target = i % 4 == 0 ? TargetBounds(Target(kpi: "online_rate", tier: nil, scope: nil, min: 0.5, max: i % 8 == 0 ? 0.9 : nil)) : nil
            kpis.append(KPIRow(period: i % 12, unit: i % 4, scope: .own, kpiIndex: i % KPIs.names.count,
                               numerator: Int64(rng.next() % 100), denominator: Int64(rng.next() % 120), target: target))
        }
        let counterCSV = try CountersOutput.csv(counters, periods: periods, units: units)
        let counterJSON = try CountersOutput.json(counters, periods: periods, units: units)
        let kpiCSV = try KPIOutput.csv(kpis, periods: periods, units: units)
        let kpiJSON = try KPIOutput.json(kpis, periods: periods, units: units)
        for threads in [2, 3, 8] {
            XCTAssertEqual(try CountersOutput.csv(counters, periods: periods, units: units, threads: threads), counterCSV)
            XCTAssertEqual(try CountersOutput.json(counters, periods: periods, units: units, threads: threads), counterJSON)
            XCTAssertEqual(try KPIOutput.csv(kpis, periods: periods, units: units, threads: threads), kpiCSV)
            XCTAssertEqual(try KPIOutput.json(kpis, periods: periods, units: units, threads: threads), kpiJSON)
        }
        // One header and one line per row (quoted line breaks aside); JSON that parses, every row.
        let csvText = String(decoding: kpiCSV, as: UTF8.self)
        XCTAssertTrue(csvText.hasPrefix(KPIOutput.columns.joined(separator: ",") + "\n"))
        XCTAssertTrue(csvText.contains(",'=cmd,"), "formula guard")
        XCTAssertTrue(csvText.contains("\"Sở \"\"Tài chính\"\", tỉnh\""), "quoting")
        // Every JSON row has every column as its key, each with its own value.
        let kpiRows = try jsonRows(kpiJSON), counterRows = try jsonRows(counterJSON)
        XCTAssertEqual(kpiRows.count, kpis.count)
        XCTAssertEqual(counterRows.count, counters.count)
        XCTAssertTrue(kpiRows.allSatisfy { Set($0.keys) == Set(KPIOutput.columns) })
        XCTAssertTrue(counterRows.allSatisfy { Set($0.keys) == Set(CountersOutput.columns) })
        for k in stride(from: 0, to: kpis.count, by: 97) {
            XCTAssertEqual(kpiRows[k]["kpi"] as? String, kpis[k].kpi)
            XCTAssertEqual(kpiRows[k]["numerator"] as? Int, Int(kpis[k].numerator))
            XCTAssertEqual(kpiRows[k]["unit_code"] as? String, units.units[kpis[k].unit].code)
            XCTAssertEqual(counterRows[k]["sector_code"] as? String, counters[k].sector)
            XCTAssertEqual(counterRows[k]["e_result"] as? Int, Int(counters[k].values.last!))
        }
    }

    private func jsonRows(_ bytes: [UInt8]) throws -> [[String: Any]] {
        let doc = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
        return doc?["rows"] as? [[String: Any]] ?? []
    }
}
