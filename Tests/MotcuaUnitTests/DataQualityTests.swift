// The data-quality checks (issue 15) in-process: the lifecycle stages, the aggregates a
// dossier's versions fold into (any order and grouping of folds, in one table or through the
// merge of partial results, gives the same state), the example ids, and each dossier check
// on hand-made states, failing and passing.
import XCTest
import MotcuaTestSupport
@testable import MotcuaFoundation
@testable import MotcuaReading
@testable import MotcuaAggregate

final class DataQualityTests: XCTestCase {
    private func state(status: UInt8, received: Int32 = 19_800, due: Int32 = noDay, ended: Int32 = noDay,
                       returned: Int32 = noDay, line: Int32 = 1, chunk: Int32 = 0, file: Int32 = 0) -> DossierState {
        DossierState(position: RecordPosition(file: file, chunk: chunk, line: line), unit: 0, procedure: -1, sector: -1,
                     received: received, due: due, ended: ended, returned: returned, status: status, channel: 1,
                     returnChannel: 0, paidOnline: 0, flags: 0)
    }

    private func withText<T>(_ s: String, _ body: (ByteText) -> T) -> T {
        var s = s
        return s.withUTF8 { body(ByteText(base: $0.baseAddress, count: $0.count)) }
    }

    func testLifecycleStagesAndWhichStatusesAreTerminal() {
        let stages = (0...10).map { DossierState.lifecycleStage(UInt8($0)) }
        //               0  1  2  3  4  5  6  7  8  9  10
        XCTAssertEqual(stages, [0, 1, 2, 3, 2, 2, 2, 3, 2, 3, 4])
        // Terminal in the lifecycle: 3, 7, 9, 10 (a stop, 8, can be lifted).
        XCTAssertEqual((1...10).filter { DossierState.lifecycleStage(UInt8($0)) >= 3 }, [3, 7, 9, 10])
    }

    func testWentBackAndReceivedChangedOverVersions() {
        func folded(_ versions: [(status: UInt8, received: Int32)]) -> DossierState {
            var s = state(status: versions[0].status, received: versions[0].received, line: 1)
            for (i, v) in versions.enumerated().dropFirst() { s.absorb(state(status: v.status, received: v.received, line: Int32(i + 1))) }
            return s
        }
        // done → processing goes back; processing → supplements → processing does not.
        XCTAssertTrue(folded([(2, 100), (9, 100), (4, 100)]).wentBack)
        XCTAssertFalse(folded([(2, 100), (5, 100), (4, 100), (8, 100), (6, 100)]).wentBack)
        XCTAssertTrue(folded([(10, 100), (9, 100)]).wentBack)       // returned → not returned
        XCTAssertFalse(folded([(9, 100), (7, 100), (10, 100)]).wentBack)
        XCTAssertTrue(folded([(2, 100), (1, noDay)]).wentBack)      // received → registered
        XCTAssertFalse(folded([(1, noDay), (3, noDay)]).wentBack)
        XCTAssertTrue(folded([(3, noDay), (2, 100)]).wentBack)      // refused, then received
        XCTAssertFalse(folded([(4, 100)]).wentBack)
        // NgayTiepNhan: only versions that have one are compared.
        XCTAssertFalse(folded([(1, noDay), (2, 100), (10, 100)]).receivedChanged)
        XCTAssertTrue(folded([(2, 100), (4, 101)]).receivedChanged)
        XCTAssertTrue(folded([(2, 100), (1, noDay), (4, 99)]).receivedChanged)
        XCTAssertFalse(folded([(1, noDay), (3, noDay)]).receivedChanged)
        // The later version by position is the dossier, whichever is folded into which.
        var early = state(status: 9, received: 100, line: 1), late = state(status: 4, received: 100, line: 2)
        early.absorb(late)
        late.absorb(state(status: 9, received: 100, line: 1))
        XCTAssertEqual(early.status, 4)
        XCTAssertEqual(late.status, 4)
        XCTAssertTrue(early.wentBack && late.wentBack)
    }

    /// Random versions of a few ids folded in random orders and groupings: every fold gives
    /// the same state, byte for byte.
    func testFoldingIsOrderFree() {
        var rng = SplitMix(seed: 7)
        for _ in 0..<300 {
            let n = 1 + Int(rng.next() % 6)
            let versions = (0..<n).map { i in
                state(status: UInt8(1 + rng.next() % 10), received: rng.next() % 3 == 0 ? noDay : Int32(100 + rng.next() % 3),
                      line: Int32(i + 1), chunk: Int32(rng.next() % 3))
            }
            var reference: [UInt8]?
            for _ in 0..<6 {
                // A random binary tree of folds: pick two partial states, fold one into the other.
                var parts = versions.shuffled(using: &rng)
                while parts.count > 1 {
                    let i = Int(rng.next() % UInt64(parts.count))
                    var a = parts.remove(at: i)
                    let j = Int(rng.next() % UInt64(parts.count))
                    a.absorb(parts[j])
                    parts[j] = a
                }
                let bytes = withUnsafeBytes(of: parts[0]) { Array($0) }
                if let r = reference { XCTAssertEqual(bytes, r) } else { reference = bytes }
            }
        }
    }

    /// Versions of ids spread over four partial results (as over threads and chunks), merged
    /// on 1 and 3 threads: the aggregates are those of all the id's versions.
    func testMergeOfPartialsCombinesTheVersions() {
        for threads in [1, 3] {
            var rng = SplitMix(seed: 33)
            var stages: [String: (latest: (RecordPosition, UInt8), highest: UInt8)] = [:]
            var days: [String: Set<Int32>] = [:]
            let partials = (0..<4).map { _ in PartialResult(fileCount: 2) }
            for line in 1...20_000 {
                let id = "000.00.01.H56-240101-\(rng.next() % 3_000)"
                let partial = partials[Int(rng.next() % 4)]
                let status = UInt8(1 + rng.next() % 10)
                let received: Int32 = status == 1 && rng.next() % 2 == 0 ? noDay : Int32(19_800 + rng.next() % 2)
                let position = RecordPosition(file: Int32(rng.next() % 2), chunk: Int32(rng.next() % 20), line: Int32(line))
                var s = state(status: status, received: received)
                s.position = position
                s.unit = withText("000.00.01.H56") { partial.units.id($0) }
                withText(id) { partial.keep(id: $0, s) }
                let stage = DossierState.lifecycleStage(status)
                if let old = stages[id] {
                    stages[id] = (old.latest.0 < position ? (position, status) : old.latest, max(old.highest, stage))
                } else {
                    stages[id] = ((position, status), stage)
                }
                if received != noDay { days[id, default: []].insert(received) }
            }
            partials[0].merge(Array(partials.dropFirst()), threads: threads)
            var wentBack = 0, changed = 0
            partials[0].forEachDossier(partitions: 0..<PartialResult.partitionCount) { s, _ in
                if s.wentBack { wentBack += 1 }
                if s.receivedChanged { changed += 1 }
            }
            XCTAssertEqual(wentBack, stages.values.filter { DossierState.lifecycleStage($0.latest.1) < $0.highest }.count, "threads \(threads)")
            XCTAssertEqual(changed, days.values.filter { $0.count > 1 }.count, "threads \(threads)")
            XCTAssertGreaterThan(wentBack, 100)
        }
    }

    func testExamplesAreTheSmallestFiveDistinctIdsInAnyOrder() {
        let ids = ["b", "a", "ab", "c", "a", "Z", "é", "-1", "aa", "b"]
        func tally(_ list: [String]) -> ExampleIds {
            var t = ExampleIds()
            for id in list { var s = id; s.withUTF8 { t.note($0) } }
            return t
        }
        let one = tally(ids)
        XCTAssertEqual(one.count, 10)
        XCTAssertEqual(one.ids.map { String(decoding: $0, as: UTF8.self) }, ["-1", "Z", "a", "aa", "ab"])
        var merged = tally(Array(ids.suffix(4)))
        merged.merge(tally(Array(ids.prefix(6))))
        XCTAssertEqual(merged, one)
        var other = tally(Array(ids.prefix(6)))
        other.merge(tally(Array(ids.suffix(4))))
        XCTAssertEqual(other, one)
    }

    func testEachDossierCheckFailsAndPasses() {
        let ref: Int32 = 19_900
        let unit = Array("000.00.01.H56".utf8)
        func checks(_ d: DossierState, id: String = "000.00.01.H56-240101-0001", unknownProcedure: Bool = false,
                    rules: RuleSet = .tt01, periodsEnd: Int32 = .max) -> [String] {
            var s = id
            let context = DataQuality.CheckContext(rules: rules, referenceDay: ref, overdueDay: min(ref, periodsEnd))
            let bits = s.withUTF8 { DataQuality.failed(d, id: $0, unitCode: unit, procedureUnknown: unknownProcedure, context) }
            return DataQualityCheck.allCases.filter { bits & $0.bit != 0 }.map(\.code)
        }
        let recv: Int32 = 19_800
        XCTAssertEqual(checks(state(status: 10, received: recv, ended: recv + 1)), ["done_without_returned_at"])
        XCTAssertEqual(checks(state(status: 10, received: recv, ended: recv + 1, returned: recv + 1)), [])
        XCTAssertEqual(checks(state(status: 9, received: recv, ended: recv + 1)), [])
        XCTAssertEqual(checks(state(status: 4, received: recv, due: recv - 1)), ["due_before_received"])
        XCTAssertEqual(checks(state(status: 4, received: recv, due: recv)), [])
        XCTAssertEqual(checks(state(status: 9, received: recv, ended: ref + 1)), ["ended_or_returned_after_as_of"])
        XCTAssertEqual(checks(state(status: 10, received: recv, ended: ref, returned: ref + 1)), ["ended_or_returned_after_as_of"])
        XCTAssertEqual(checks(state(status: 10, received: recv, ended: ref, returned: ref)), [])
        // Pending, due 366 days before the reference day: listed; 365: not; ended: not.
        XCTAssertEqual(checks(state(status: 4, received: ref - 400, due: ref - 366)), ["overdue_over_365_days"])
        XCTAssertEqual(checks(state(status: 4, received: ref - 400, due: ref - 365)), [])
        XCTAssertEqual(checks(state(status: 9, received: ref - 400, due: ref - 366, ended: ref - 300)), [])
        XCTAssertEqual(checks(state(status: 3, received: ref - 400, due: ref - 366)), [])
        // Counted to the last period's end when that comes before the reference day: a report on
        // an earlier year does not list what became a year overdue only since.
        XCTAssertEqual(checks(state(status: 4, received: ref - 400, due: ref - 366), periodsEnd: ref - 2), [])
        XCTAssertEqual(checks(state(status: 4, received: ref - 400, due: ref - 368), periodsEnd: ref - 2), ["overdue_over_365_days"])
        // Dates after the reference day are still flagged, whatever the periods.
        XCTAssertEqual(checks(state(status: 9, received: recv, ended: ref + 1), periodsEnd: ref - 30), ["ended_or_returned_after_as_of"])
        // Status 8 has ended under qd766 only.
        XCTAssertEqual(checks(state(status: 8, received: ref - 400, due: ref - 366, ended: ref - 390)), ["overdue_over_365_days"])
        XCTAssertEqual(checks(state(status: 8, received: ref - 400, due: ref - 366, ended: ref - 390), rules: .qd766), [])
        // MaDonVi against the id's prefix: only a prefix of the agency-code pattern counts.
        XCTAssertEqual(checks(state(status: 4), id: "000.00.02.H56-240101-0001"), ["unit_differs_from_dossier_id"])
        XCTAssertEqual(checks(state(status: 4), id: "H56-240101-0001"), [])
        XCTAssertEqual(checks(state(status: 4), id: "000.00.02.H56"), [])
        XCTAssertEqual(checks(state(status: 4), unknownProcedure: true), ["procedure_not_in_catalog"])
    }
}
