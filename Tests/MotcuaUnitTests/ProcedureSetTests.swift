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
}
