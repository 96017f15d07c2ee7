// Periods (SPEC §4) and date-times (SPEC §2.4) from bytes.
import XCTest
import MotcuaTestSupport
@testable import MotcuaFoundation
@testable import MotcuaReading
@testable import MotcuaAggregate
@testable import MotcuaOutput
@testable import MotcuaPipeline
@testable import MotcuaRun
@testable import MotcuaGenerate

final class PeriodsAndDatesTests: XCTestCase {
    func d(_ s: String) -> Int32 { parseDay(s)! }

    func span(_ p: Period) -> String { "\(p.label) \(formatDay(p.from))..\(formatDay(p.to))\(p.partial ? " partial" : "")" }

    func testCalendarKinds() throws {
        XCTAssertEqual(span(Periods.containing(kind: .week, day: d("2024-12-30"))), "2025-W01 2024-12-30..2025-01-05")
        XCTAssertEqual(span(Periods.containing(kind: .week, day: d("2024-03-05"))), "2024-W10 2024-03-04..2024-03-10")
        XCTAssertEqual(span(Periods.containing(kind: .week, day: d("2021-01-03"))), "2020-W53 2020-12-28..2021-01-03")
        XCTAssertEqual(span(Periods.containing(kind: .month, day: d("2024-02-29"))), "2024-02 2024-02-01..2024-02-29")
        XCTAssertEqual(span(Periods.containing(kind: .quarter, day: d("2024-05-31"))), "2024-Q2 2024-04-01..2024-06-30")
        XCTAssertEqual(span(Periods.containing(kind: .half, day: d("2024-07-01"))), "2024-H2 2024-07-01..2024-12-31")
        XCTAssertEqual(span(Periods.containing(kind: .year, day: d("2024-07-01"))), "2024 2024-01-01..2024-12-31")
    }

    func testND09Kinds() {
        XCTAssertEqual(span(Periods.containing(kind: .nd09Quarter, day: d("2023-12-15"))), "2024-Q1 2023-12-15..2024-03-14")
        XCTAssertEqual(span(Periods.containing(kind: .nd09Quarter, day: d("2024-03-14"))), "2024-Q1 2023-12-15..2024-03-14")
        XCTAssertEqual(span(Periods.containing(kind: .nd09Month, day: d("2024-02-15"))), "2024-03 2024-02-15..2024-03-14")
        XCTAssertEqual(span(Periods.containing(kind: .nd09Year, day: d("2024-12-15"))), "2025 2024-12-15..2025-12-14")
        XCTAssertEqual(span(Periods.containing(kind: .nd09Half, day: d("2024-06-15"))), "2024-H2 2024-06-15..2024-12-14")
        XCTAssertEqual(span(Periods.containing(kind: .nd09Month, day: d("2024-01-14"))), "2024-01 2023-12-15..2024-01-14")
    }

    func testCoveringAndAsOf() throws {
        let ps = try Periods.covering(kind: .month, from: d("2024-01-20"), to: d("2024-03-02"), asOf: d("2024-03-01"))
        XCTAssertEqual(ps.map(span), ["2024-01 2024-01-01..2024-01-31", "2024-02 2024-02-01..2024-02-29",
                                      "2024-03 2024-03-01..2024-03-01 partial"])
        let custom = try Periods.covering(kind: .custom, from: d("2024-01-20"), to: d("2024-03-02"), asOf: d("2024-02-01"))
        XCTAssertEqual(custom.map(span), ["2024-01-20..2024-03-02 2024-01-20..2024-02-01 partial"])
        XCTAssertEqual(try Periods.covering(kind: .day, from: d("2024-01-20"), to: d("2024-01-22"), asOf: d("2024-01-19")), [])
    }

    func testLabelsParse() {
        for (label, kind, want) in [("2024-Q1", PeriodKind.quarter, "2024-01-01..2024-03-31"),
                                    ("2024-Q1", .nd09Quarter, "2023-12-15..2024-03-14"),
                                    ("2025-W01", .week, "2024-12-30..2025-01-05"),
                                    ("2024-03", .nd09Month, "2024-02-15..2024-03-14"),
                                    ("2025", .nd09Year, "2024-12-15..2025-12-14"),
                                    ("2024-02-29", .day, "2024-02-29..2024-02-29"),
                                    ("2024-H2", .half, "2024-07-01..2024-12-31"),
                                    ("2024-03-01..2024-03-31", .custom, "2024-03-01..2024-03-31")] {
            let p = Periods.parse(label: label, kind: kind)
            XCTAssertEqual(p.map { "\(formatDay($0.from))..\(formatDay($0.to))" }, want, "\(label) \(kind)")
            XCTAssertEqual(p?.label, label)
        }
        XCTAssertNil(Periods.parse(label: "2024-W54", kind: .week))
        XCTAssertNil(Periods.parse(label: "2024-Q5", kind: .quarter))
        XCTAssertNil(Periods.parse(label: "2024-13", kind: .month))
        XCTAssertNil(Periods.parse(label: "2024-03-31..2024-03-01", kind: .custom), "to before from")
        XCTAssertNil(Periods.parse(label: "2024-03", kind: .custom))
    }

    func local(_ s: String, zone: Int = 420, pinned: DateTimeForm? = nil) -> String? {
        let b = Array(s.utf8)
        return b.withUnsafeBufferPointer { DateTimeParser(zoneMinutes: zone, pinned: pinned).localDay($0.baseAddress!, b.count) }.map(formatDay)
    }

    func testDateForms() {
        XCTAssertEqual(local("20240305235959"), "2024-03-05")
        XCTAssertEqual(local("20240305"), "2024-03-05")
        XCTAssertEqual(local("2024-03-05T23:30:00Z"), "2024-03-06")
        XCTAssertEqual(local("2024-03-05T23:30:00.123456789+07:00"), "2024-03-05")
        XCTAssertEqual(local("2024-03-06T01:00:00+09:00"), "2024-03-05")
        XCTAssertEqual(local("2024-03-05T10:00:00"), "2024-03-05")
        XCTAssertEqual(local("2024-03-05 10:00:00"), "2024-03-05")
        XCTAssertEqual(local("2024-03-05"), "2024-03-05")
        XCTAssertEqual(local("05/03/2024 10:00:00"), "2024-03-05")
        XCTAssertEqual(local("05/03/2024 10:00"), "2024-03-05")
        XCTAssertEqual(local("05/03/2024"), "2024-03-05")
        XCTAssertEqual(local("2024-03-05T16:59:59Z", zone: 0), "2024-03-05")
        XCTAssertEqual(local("1970-01-01T00:30:00+01:00", zone: 0), "1969-12-31")
        for bad in ["31/02/2024", "20240230", "2024-02-30", "2024-03-05T24:00:00", "2024-03-05T10:00:60",
                    "2024-03-05T10:00:00+15:00", "2024-03-05T10:00:00.1234567890Z", "2024-03-05T10:00:00.Z",
                    "2024-3-5", "5/3/2024", "2024-03-05T10:00", " 20240305", "2024030510", "abcdefgh"] {
            XCTAssertNil(local(bad), bad)
        }
        XCTAssertEqual(local("2024-02-29"), "2024-02-29")
        XCTAssertNil(local("2023-02-29"))
        XCTAssertNil(local("20240305080000", pinned: .vnDate), "a pinned form accepts only itself")
        XCTAssertEqual(local("05/03/2024", pinned: .vnDate), "2024-03-05")
    }
}
