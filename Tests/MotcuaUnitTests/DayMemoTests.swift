// DateTimeParser's day memo (issue 16) held to the parser without it: runs of values that share
// or almost share a date part — across day, month, year and leap-day boundaries, at times
// near midnight with offsets that move the local day, in every form, valid and not, with and
// without a pinned form and in several pipeline timezones — must read the same day through
// the memo as without it, whatever the memo held before.
import Foundation
import XCTest
@testable import MotcuaFoundation
@testable import MotcuaReading

final class DayMemoTests: XCTestCase {
    /// A value of `form` for (y, m, d, h, mi, s), with `offset` for the ISO form.
    static func render(_ form: DateTimeForm, _ y: Int, _ m: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int,
                       offset: String) -> String {
        func p(_ v: Int, _ w: Int) -> String { String(repeating: "0", count: max(0, w - String(v).count)) + String(v) }
        switch form {
        case .compact: return p(y, 4) + p(m, 2) + p(d, 2) + p(h, 2) + p(mi, 2) + p(s, 2)
        case .compactDate: return p(y, 4) + p(m, 2) + p(d, 2)
        case .iso: return "\(p(y, 4))-\(p(m, 2))-\(p(d, 2))T\(p(h, 2)):\(p(mi, 2)):\(p(s, 2))\(offset)"
        case .isoSpace: return "\(p(y, 4))-\(p(m, 2))-\(p(d, 2)) \(p(h, 2)):\(p(mi, 2)):\(p(s, 2))"
        case .isoDate: return "\(p(y, 4))-\(p(m, 2))-\(p(d, 2))"
        case .vnDateTime: return "\(p(d, 2))/\(p(m, 2))/\(p(y, 4)) \(p(h, 2)):\(p(mi, 2)):\(p(s, 2))"
        case .vnDateMinutes: return "\(p(d, 2))/\(p(m, 2))/\(p(y, 4)) \(p(h, 2)):\(p(mi, 2))"
        case .vnDate: return "\(p(d, 2))/\(p(m, 2))/\(p(y, 4))"
        }
    }

    /// Values near the boundaries, in runs: the same date part with other times (valid and
    /// not), the next and previous day, the same day and month in another year.
    static func values(_ rng: inout some RandomNumberGenerator) -> [String] {
        let years = [1900, 1970, 1999, 2000, 2023, 2024, 2025, 2100, 2400, 9999]
        let days = [(1, 1), (1, 31), (2, 1), (2, 28), (2, 29), (2, 30), (3, 1), (4, 30), (4, 31), (6, 15), (12, 31),
                    (0, 10), (13, 1), (5, 0), (5, 32)]
        let times = [(0, 0, 0), (0, 0, 59), (6, 59, 59), (7, 0, 0), (16, 59, 59), (17, 0, 0), (23, 59, 59),
                     (24, 0, 0), (23, 60, 0), (23, 59, 60), (12, 30, 0)]
        let offsets = ["", "Z", "+07:00", "-07:00", "+14:00", "-12:00", "+00:30", "+15:00", "+07:60", ".5Z", ".123456789+07:00",
                       ".1234567890Z", "z", "+0700"]
        var out: [String] = []
        for _ in 0..<1500 {
            let form = DateTimeForm.allCases.randomElement(using: &rng)!
            var y = years.randomElement(using: &rng)!
            var (m, d) = days.randomElement(using: &rng)!
            let run = Int.random(in: 1...6, using: &rng)
            for _ in 0..<run {
                let (h, mi, s) = times.randomElement(using: &rng)!
                out.append(render(form, y, m, d, h, mi, s, offset: offsets.randomElement(using: &rng)!))
                switch Int.random(in: 0..<6, using: &rng) {
                case 0: d += 1
                case 1: d -= 1
                case 2: y += Int.random(in: -1...1, using: &rng)   // same "dd/mm/yy" prefix, another year
                case 3: (m, d) = days.randomElement(using: &rng)!
                default: break                                      // same date part again
                }
            }
            // Now and then a value of another form or garbage, between values of a run.
            if Int.random(in: 0..<8, using: &rng) == 0 {
                out.append(["", "x", "2024-01-01T", "01/01/2024 ", "2024010", "2024-01-01 00:00", "01-01-2024",
                            "2024/01/01", "0a/01/2024", "2024-1-01"].randomElement(using: &rng)!)
            }
        }
        return out
    }

    func testMemoMatchesParser() {
        var rng = SystemRandomNumberGenerator()
        // Few slots as well as the memo's own: values collide, and slots are reused.
        for (zone, bits) in [(7 * 60, DaySlot.memoBits), (0, 0), (-12 * 60, 1), (14 * 60, 2), (5 * 60 + 45, DaySlot.memoBits)] {
            for pinned in [nil] + DateTimeForm.allCases.map(Optional.some) {
                let parser = DateTimeParser(zoneMinutes: zone, pinned: pinned)
                let memo = UnsafeMutablePointer<DaySlot>.allocate(capacity: DaySlot.memoSlots)
                defer { memo.deallocate() }
                memo.initialize(repeating: DaySlot(), count: DaySlot.memoSlots)
                var dates = 0
                defer { XCTAssertGreaterThan(dates, 100, "too few valid dates to test the memo") }
                for v in Self.values(&rng) {
                    let bytes = Array(v.utf8)
                    guard !bytes.isEmpty else { continue }
                    // At the end of its own allocation: the memo must read no byte past the value.
                    let m = UnsafeMutablePointer<UInt8>.allocate(capacity: bytes.count)
                    defer { m.deallocate() }
                    m.update(from: bytes, count: bytes.count)
                    let memoized = parser.localDay(m, bytes.count, memo: memo, memoBits: bits)
                    if memoized != nil { dates += 1 }
                    XCTAssertEqual(memoized, parser.localDay(m, bytes.count), "\(v) (zone \(zone), pinned \(String(describing: pinned)))")
                }
            }
        }
    }

    /// The memo's own decisions, on values chosen to defeat a partial key.
    func testMemoKeyCoversTheDatePart() {
        let parser = DateTimeParser()
        // One slot for every value (as if they all collided in the memo).
        var slot = DaySlot()
        func day(_ s: String) -> Int32? {
            Array(s.utf8).withUnsafeBufferPointer { b in
                withUnsafeMutablePointer(to: &slot) { parser.localDay(b.baseAddress!, b.count, memo: $0, memoBits: 0) }
            }
        }
        let d2024 = day("01/03/2024 10:00:00")
        XCTAssertEqual(day("01/03/2025 10:00:00"), d2024.map { $0 + 365 }, "years differ in the date part's last bytes")
        XCTAssertEqual(day("01/03/2024 10:00:00"), d2024)
        XCTAssertNil(day("01/03/2024 24:00:00"), "the time part is still checked")
        XCTAssertEqual(day("01/03/2024 10:00"), d2024, "another form with the same date part")
        XCTAssertEqual(day("01/03/2024"), d2024)
        XCTAssertNil(day("29/02/2023"))
        XCTAssertEqual(day("29/02/2024"), d2024.map { $0 - 1 })
        XCTAssertEqual(day("20240301"), d2024)
        XCTAssertEqual(day("20240301235959"), d2024)
        XCTAssertEqual(day("2024-02-29T23:30:00-01:00"), d2024, "the offset moves the local day")
        XCTAssertEqual(day("2024-02-29T23:30:00+07:00"), d2024.map { $0 - 1 })
    }
}
