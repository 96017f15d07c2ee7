// The pieces behind failures that explain themselves (issue 18): the delimiter and date
// hints, the staleness reference day, and how the newest day and the first invalid date
// merge across partial results (a max and a min by position: any order gives the same).
import XCTest
import MotcuaTestSupport
@testable import MotcuaFoundation
@testable import MotcuaReading
@testable import MotcuaAggregate
@testable import MotcuaPipeline
@testable import MotcuaRun

final class DiagnosisHintTests: XCTestCase {
    func hint(_ header: String, configured: Character = ",") -> String? {
        Array(header.utf8).withUnsafeBufferPointer {
            ReadingHints.delimiter(header: $0, configured: configured.asciiValue!, file: "f.csv")
        }
    }

    func testDelimiterHintPicksTheDelimiterHeldMost() {
        XCTAssertEqual(hint("a;b\tc\td"), #"f.csv: the header row has 1 column, but its line holds 2 tabs: set delimiter: "\t" for this input"#)
        XCTAssertEqual(hint("a;b\tc"), #"f.csv: the header row has 1 column, but its line holds 1 ';': set delimiter: ";" for this input"#, "a tie goes to ';'")
        XCTAssertEqual(hint("a,b,c", configured: ";"), #"f.csv: the header row has 1 column, but its line holds 2 ',': set delimiter: "," for this input"#)
        XCTAssertEqual(hint("a\tb", configured: "\t"), nil, "the configured delimiter is not a hint")
        XCTAssertNil(hint("Mã hồ sơ"))
    }

    func testDateHintSaysWhatAPinnedFormMisses() {
        var seen = InvalidDates()
        let value = Array("2024-03-05".utf8)
        value.withUnsafeBufferPointer { seen.note(RecordPosition(file: 0, chunk: 0, line: 4), ByteText(base: $0.baseAddress, count: $0.count)) }
        XCTAssertEqual(ReadingHints.invalidDates(file: "b.csv", field: .ngayTra, seen, zoneMinutes: 420, pinned: .vnDate),
                       #"b.csv: 1 NgayTra value is not a date in an accepted form (rejected as invalid_value:NgayTra; first: "2024-03-05"); this input's date_format pins dd/MM/yyyy, but that value reads as yyyy-MM-dd: set date_format: "yyyy-MM-dd" (or remove it)"#)
        // The form of a date, but no day of the calendar: date_format is not the fix.
        var impossible = InvalidDates()
        let feb31 = Array("31/02/2024".utf8)
        feb31.withUnsafeBufferPointer { impossible.note(RecordPosition(file: 0, chunk: 0, line: 2), ByteText(base: $0.baseAddress, count: $0.count)) }
        XCTAssertEqual(ReadingHints.invalidDates(file: "c.csv", field: .ngayHenTra, impossible, zoneMinutes: 420, pinned: nil),
                       #"c.csv: 1 NgayHenTra value is not a date in an accepted form (rejected as invalid_value:NgayHenTra; first: "31/02/2024"); that value has the form of a date but is no day of the calendar (a day, month or time out of range): correct it at the source"#)
        // Not text (a JSON number): no value to show.
        var number = InvalidDates()
        number.note(RecordPosition(file: 0, chunk: 0, line: 1), .none)
        number.note(RecordPosition(file: 0, chunk: 0, line: 2), .none)
        XCTAssertTrue(ReadingHints.invalidDates(file: "a.ndjson", field: .ngayTiepNhan, number, zoneMinutes: 420, pinned: nil)
            .hasPrefix("a.ndjson: 2 NgayTiepNhan values are not dates in an accepted form (rejected as invalid_value:NgayTiepNhan). Accepted forms: yyyyMMddHHmmss, "))
    }

    func testNewestDayAndFirstInvalidDateMergeInAnyOrder() {
        func partial(newest: String?, line: Int32, value: String) -> PartialResult {
            let p = PartialResult(fileCount: 1)
            if let n = newest { p.newestDay = parseDay(n)! }
            let bytes = Array(value.utf8)
            bytes.withUnsafeBufferPointer {
                p.invalidDates[InvalidDateKey(file: 0, field: .ngayTiepNhan), default: InvalidDates()]
                    .note(RecordPosition(file: 0, chunk: line / 10, line: line), ByteText(base: $0.baseAddress, count: $0.count))
            }
            return p
        }
        for order in [[0, 1, 2], [2, 1, 0], [1, 2, 0]] {
            let parts = [partial(newest: "2024-03-05", line: 30, value: "c"), partial(newest: nil, line: 12, value: "b"),
                         partial(newest: "2024-03-07", line: 21, value: "d")]
            let first = parts[order[0]]
            first.merge(order.dropFirst().map { parts[$0] })
            XCTAssertEqual(formatDay(first.newestDay), "2024-03-07")
            let seen = first.invalidDates[InvalidDateKey(file: 0, field: .ngayTiepNhan)]!
            XCTAssertEqual(seen.count, 3)
            XCTAssertEqual(seen.firstValue.map { String(decoding: $0, as: UTF8.self) }, "b", "\(order)")
        }
    }

    func testStalenessReferenceDay() {
        let march = [Period(label: "2024-03", from: parseDay("2024-03-01")!, to: parseDay("2024-03-31")!)]
        func ref(_ asOf: String?, _ periods: [Period]) -> String {
            let r = Staleness.reference(asOf: asOf.map { parseDay($0)! }, periods: periods, zoneMinutes: 420)
            return "\(formatDay(r.day)) (\(r.name))"
        }
        XCTAssertEqual(ref(nil, march), "2024-03-31 (the last period's end)")
        XCTAssertEqual(ref("2024-06-01", march), "2024-03-31 (the last period's end)")
        XCTAssertEqual(ref("2024-03-10", march), "2024-03-10 (--as-of)")
        XCTAssertEqual(ref("2024-03-10", []), "2024-03-10 (--as-of)")
        var p = Pipeline(name: "t", directory: "/", outputDir: "/out")
        p.maxStalenessDays = 0
        XCTAssertNil(Staleness.warning(newest: parseDay("2024-03-10"), asOf: parseDay("2024-03-10"), periods: march, pipeline: p))
        XCTAssertEqual(Staleness.warning(newest: parseDay("2024-03-09"), asOf: parseDay("2024-03-10"), periods: march, pipeline: p),
                       "the newest record is from 2024-03-09, 1 day before 2024-03-10 (--as-of): more than limits.max_staleness_days (0); are the exports still arriving?")
    }
}
