// The rollup's procedure-id set against Swift's Set: inserts with repeats across growth,
// membership, union, the shared count and iteration.
import XCTest
import MotcuaTestSupport
@testable import MotcuaFoundation
@testable import MotcuaReading
@testable import MotcuaAggregate
@testable import MotcuaOutput
@testable import MotcuaPipeline
@testable import MotcuaRun
@testable import MotcuaGenerate

final class ProcedureSetTests: XCTestCase {
    func testAgreesWithSet() {
        var rng = SplitMix(seed: 9)
        for round in 0..<200 {
            let range = Int32(1 + round * 7)
            var a = ProcedureSet(), b = ProcedureSet()
            var ra = Set<Int32>(), rb = Set<Int32>()
            for _ in 0..<Int(rng.next() % 300) {
                let p = Int32(truncatingIfNeeded: rng.next() % UInt64(range))
                a.insert(p); ra.insert(p)
                let q = Int32(truncatingIfNeeded: rng.next() % UInt64(range))
                if rng.next() % 3 == 0 { b.insert(q); rb.insert(q) }
            }
            XCTAssertEqual(a.count, ra.count)
            XCTAssertEqual(Set(a), ra)
            XCTAssertEqual(Array(a).count, ra.count, "no id twice")
            for p in 0..<range { XCTAssertEqual(a.contains(p), ra.contains(p)) }
            XCTAssertEqual(a.countShared(with: b), ra.intersection(rb).count)
            var u = a
            u.formUnion(b)
            XCTAssertEqual(Set(u), ra.union(rb))
            XCTAssertEqual(u.count, ra.union(rb).count)
            XCTAssertEqual(Set(a), ra, "a union leaves its operand alone")
        }
        XCTAssertTrue(ProcedureSet().isEmpty)
        XCTAssertFalse(ProcedureSet().contains(0))
    }

    /// The activity's bits (small catalogs) and its hash sets (large ones) hold the same
    /// procedures per cell and kind, over two slices joined: ids 0 and past 64 (several words),
    /// receipts and returns inside, before and after the periods.
    func testActivityBitsAgreeWithSets() {
        let periods = (0..<5).map { (k: Int) -> Period in
            let from = Int32(19_000 + k * 10)
            return Period(label: "P\(k)", from: from, to: from + 9)
        }
        let index = PeriodIndex(periods: periods)
        var rng = SplitMix(seed: 21)
        for procedures in [1, 63, 64, 65, 200] {
            var bitSlices = [ProcedureActivity](repeating: ProcedureActivity(units: 7, periods: 5, procedures: procedures), count: 2)
            var setSlices = [ProcedureActivity](repeating: ProcedureActivity(units: 7, periods: 5, procedures: procedures, bitBudget: 0), count: 2)
            for n in 0..<3_000 {
                let day = { Int32(18_990 + Int(rng.next() % 70)) }
                let returned = rng.next() % 3 == 0 ? day() : noDay
                let d = DossierState(position: RecordPosition(file: 0, chunk: 0, line: Int32(n)), unit: 0, procedure: 0, sector: -1,
                                     received: day(), due: noDay, ended: noDay, returned: returned, status: 4,
                                     channel: UInt8(1 + rng.next() % 3), returnChannel: UInt8(rng.next() % 2), paidOnline: 0, flags: 0)
                let unit = Int(rng.next() % 7), proc = Int32(rng.next() % UInt64(procedures))
                bitSlices[n % 2].add(d, unit: unit, proc: proc, index: index)
                setSlices[n % 2].add(d, unit: unit, proc: proc, index: index)
            }
            var bits = bitSlices[0], sets = setSlices[0]
            bits.formUnion(bitSlices[1]); sets.formUnion(setSlices[1])
            bits.seal(); sets.seal()
            XCTAssertEqual(bits.newAny.count, 35)
            var seen = 0
            for c in 0..<35 {
                XCTAssertEqual(Set(bits.newAny[c]), Set(sets.newAny[c]), "new, cell \(c), \(procedures) ids")
                XCTAssertEqual(Set(bits.newOnline[c]), Set(sets.newOnline[c]), "online, cell \(c), \(procedures) ids")
                XCTAssertEqual(Set(bits.postal[c]), Set(sets.postal[c]), "postal, cell \(c), \(procedures) ids")
                seen += bits.newAny[c].count + bits.postal[c].count
            }
            XCTAssertGreaterThan(seen, 35, "the dossiers landed in cells")
        }
    }
}
