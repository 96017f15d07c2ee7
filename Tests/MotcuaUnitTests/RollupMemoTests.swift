// The roll-up's kept sums (issue 13, `RollupMemo`): updated with a night's changed dossiers —
// their old versions out, their new ones in — and with the periods they do not have summed
// anew (the last one cut at another as-of, one more period), they give the full roll-up's rows
// and KPI figures, and the same sums as a roll-up made anew; sums that do not fit are not
// used; bytes cut short, or naming a unit or procedure twice, do not read as sums.
import XCTest
import MotcuaTestSupport
@testable import MotcuaFoundation
@testable import MotcuaReading
@testable import MotcuaAggregate

final class RollupMemoTests: XCTestCase {
    let periods = (0..<6).map { (k: Int) -> Period in
        let from = Int32(19_700 + k * 30)
        return Period(label: "P\(k)", from: from, to: from + 29)
    }
    let unitCodes = ["T", "H1", "H2", "X1", "Z9"]          // Z9 is not in the catalog
    let procedureCodes = ["P0", "P1", "P2", "P3", "P4", "P5"] // P5 is not in the catalog
    let sectorCodes = ["S-own"]

    var catalogs: Catalogs {
        var c = Catalogs()
        c.units = [UnitInfo(code: "T", name: "Tỉnh", tier: "tinh", parent: ""),
                   UnitInfo(code: "H1", name: "Huyện 1", tier: "huyen", parent: "T"),
                   UnitInfo(code: "H2", name: "Huyện 2", tier: "huyen", parent: "T"),
                   UnitInfo(code: "X1", name: "Xã 1", tier: "xa", parent: "H1")]
        c.procedures = (0..<5).map { p in
            ProcedureRow(procedure: "P\(p)", name: "Thủ tục \(p)", sector: "S\(p % 2)", sectorName: "Lĩnh vực \(p % 2)",
                         tier: [Tier.tinh, .huyen, .xa][p % 3], level: 2 + p % 3, unit: nil)
        }
        c.hasProcedureCatalog = true
        return c
    }

    /// A random dossier: any unit, procedure (or none), own sector (or none), channel, status,
    /// dates in and around the periods, returns and flags.
    func randomState(_ rng: inout SplitMix, line: Int32) -> DossierState {
        func pick(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        func day() -> Int32 { 19_650 + Int32(pick(260)) }
        let received = day()
        let ended = pick(3) == 0 ? noDay : received + Int32(pick(60))
        return DossierState(position: RecordPosition(file: 0, chunk: 0, line: line), unit: Int32(pick(unitCodes.count)),
                            procedure: pick(8) == 0 ? -1 : Int32(pick(procedureCodes.count)),
                            sector: pick(5) == 0 ? 0 : -1, received: pick(20) == 0 ? noDay : received,
                            due: pick(4) == 0 ? noDay : received + Int32(pick(40)), ended: ended,
                            returned: pick(3) == 0 ? received + Int32(pick(70)) : noDay,
                            status: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10][pick(10)], channel: UInt8(1 + pick(3)),
                            returnChannel: UInt8(pick(3)), paidOnline: UInt8(pick(3)), flags: UInt8(pick(8)))
    }

    /// The dossiers as a merged partial result, codes interned in one fixed order (so that a
    /// state's ids mean the same in every partial of the test).
    func partial(_ dossiers: [String: DossierState]) -> PartialResult {
        let p = PartialResult(fileCount: 1)
        func intern(_ codes: [String], _ interner: inout Interner) {
            for c in codes { _ = Array(c.utf8).withUnsafeBufferPointer { interner.id(ByteText(base: $0.baseAddress, count: $0.count)) } }
        }
        intern(unitCodes, &p.units)
        intern(procedureCodes, &p.procedures)
        intern(sectorCodes, &p.sectors)
        for (id, s) in dossiers.sorted(by: { $0.key < $1.key }) {
            Array(id.utf8).withUnsafeBufferPointer { p.keep(id: ByteText(base: $0.baseAddress, count: $0.count), s) }
        }
        p.flushWaiting()
        return p
    }

    func build(_ dossiers: [String: DossierState], _ memo: MemoUse, periods: [Period]? = nil, rules: RuleSet = .tt01,
               bySector: Bool = true, threads: Int = 2) throws -> RollupResult {
        try Rollup.build(partial(dossiers), catalogs: catalogs, periods: periods ?? self.periods, rules: rules, bySector: bySector,
                         threads: threads, memo: memo)
    }

    /// The periods of a night after the memo's: the same; the last cut at another day (as
    /// `--as-of` does); or the last cut and a period more (a new month has begun).
    func nightPeriods(_ variant: Int, _ rng: inout SplitMix) -> [Period] {
        var p = periods
        let last = p.count - 1
        switch variant % 3 {
        case 0: return p
        case 1:
            p[last].to = p[last].from + Int32(rng.next() % 29)
            p[last].partial = true
            return p
        default:
            p[last].to = p[last].from + Int32(rng.next() % 29)
            return p + [Period(label: "P6", from: p[last].to + 1, to: p[last].to + 1 + Int32(rng.next() % 20), partial: true)]
        }
    }

    func assertSame(_ a: RollupResult, _ b: RollupResult, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.rows.count, b.rows.count, what, file: file, line: line)
        for (x, y) in zip(a.rows, b.rows) where x.period != y.period || x.unit != y.unit || x.scope != y.scope || x.sector != y.sector || x.values != y.values {
            XCTFail("\(what): row \(x) differs from \(y)", file: file, line: line)
            return
        }
        XCTAssertEqual(a.kpis.catalogFigures, b.kpis.catalogFigures, what, file: file, line: line)
        XCTAssertEqual(a.kpis.totals, b.kpis.totals, what, file: file, line: line)
        XCTAssertEqual(a.units.units.map(\.code), b.units.units.map(\.code), what, file: file, line: line)
        XCTAssertEqual([a.tally.dossiers, a.tally.inScope, a.tally.notReceived], [b.tally.dossiers, b.tally.inScope, b.tally.notReceived],
                       what, file: file, line: line)
    }

    func testUpdatedSumsEqualAFullRollUp() throws {
        var rng = SplitMix(seed: 31)
        var updated = 0
        for round in 0..<40 {
            let rules: RuleSet = round % 2 == 0 ? .tt01 : .qd766
            let bySector = round % 3 != 0
            var before: [String: DossierState] = [:]
            for i in 0..<(50 + Int(rng.next() % 250)) { before["D\(i)"] = randomState(&rng, line: Int32(i)) }
            let kept = try build(before, .make, rules: rules, bySector: bySector)
            let memo = try XCTUnwrap(kept.memo.flatMap { RollupMemo(decoding: $0.encoded()) })
            // A night: some dossiers get a new version (maybe in another unit), some are new.
            var after = before
            var removed: [DossierState] = [], added: [DossierState] = []
            for i in 0..<(1 + Int(rng.next() % 40)) {
                let id = rng.next() % 3 == 0 ? "N\(round)-\(i)" : "D\(rng.next() % UInt64(before.count))"
                let new = randomState(&rng, line: Int32(1000 + i))
                if let old = after[id] { removed.append(old) }
                after[id] = new
            }
            // Each changed id once, at its state after the night (as the state run gives them).
            let changedIds = Set(after.keys.filter { after[$0]!.position != before[$0]?.position })
            removed = changedIds.compactMap { before[$0] }
            added = changedIds.map { after[$0]! }
            let night = nightPeriods(round / 2, &rng)
            let full = try build(after, .none, periods: night, rules: rules, bySector: bySector, threads: 1)
            let update = try build(after, .update(RollupMemoUpdate(memo: memo, removed: removed, added: added)), periods: night,
                                   rules: rules, bySector: bySector)
            assertSame(update, full, "round \(round)")
            let anew = try build(after, .make, periods: night, rules: rules, bySector: bySector, threads: 1)
            XCTAssertEqual(update.memo?.encoded(), anew.memo?.encoded(), "round \(round): the updated sums are the sums made anew")
            if update.memoUsed { updated += 1 } else {
                XCTAssertEqual(update.memoNote, "a unit lost its last dossier", "round \(round)")
            }
        }
        XCTAssertGreaterThan(updated, 30, "most rounds update the sums")
        XCTAssertEqual(Rollup.periodPlan(periods, kept: periods)?.fresh, 0..<0)
        XCTAssertEqual(Rollup.periodPlan(periods + [Period(label: "P6", from: 19_880, to: 19_890)], kept: periods)?.fresh, 6..<7)
        XCTAssertEqual(Rollup.periodPlan(Array(periods.dropFirst()), kept: periods)?.rows, [-1, 0, 1, 2, 3, 4])
    }

    /// Sums kept with other periods, rules or breakdown, or that do not fit the dossiers, are
    /// not used: the roll-up goes over every dossier, gives the full roll-up and says why.
    func testSumsThatDoNotFitAreNotUsed() throws {
        var rng = SplitMix(seed: 7)
        var dossiers: [String: DossierState] = [:]
        for i in 0..<200 { dossiers["D\(i)"] = randomState(&rng, line: Int32(i)) }
        let memo = try XCTUnwrap(try build(dossiers, .make).memo)
        let full = try build(dossiers, .none)
        let otherRules = try build(dossiers, .update(RollupMemoUpdate(memo: memo, removed: [], added: [])), rules: .qd766)
        XCTAssertFalse(otherRules.memoUsed)
        XCTAssertEqual(otherRules.memoNote, "the rules, breakdown or catalogs changed since the sums were kept")
        assertSame(otherRules, try build(dossiers, .none, rules: .qd766), "other rules")
        // Periods the memo does not cover (weeks), or covers but for one in the middle.
        let weeks = (0..<8).map { Period(label: "W\($0)", from: 19_700 + Int32($0) * 7, to: 19_706 + Int32($0) * 7) }
        var middle = periods
        middle[2].to -= 3
        middle[3].from -= 3
        for (other, what) in [(weeks, "weeks"), (middle, "a period in the middle")] {
            let r = try build(dossiers, .update(RollupMemoUpdate(memo: memo, removed: [], added: [])), periods: other)
            XCTAssertFalse(r.memoUsed, what)
            XCTAssertEqual(r.memoNote, "the periods changed since the sums were kept", what)
            assertSame(r, try build(dossiers, .none, periods: other), what)
        }
        // A version taken out that the sums never held: counts below zero.
        let stranger = DossierState(position: RecordPosition(file: 0, chunk: 0, line: 9), unit: 3, procedure: 2, sector: -1,
                                    received: 19_705, due: noDay, ended: noDay, returned: noDay, status: 2, channel: 3,
                                    returnChannel: 0, paidOnline: 0, flags: 0)
        var wrong = memo
        wrong.unitDossiers = wrong.unitDossiers.map { _ in 0 }
        let misfit = try build(dossiers, .update(RollupMemoUpdate(memo: wrong, removed: [stranger], added: [])))
        XCTAssertFalse(misfit.memoUsed)
        XCTAssertEqual(misfit.memoNote, "the kept sums do not match the state's dossiers")
        assertSame(misfit, full, "dossiers per unit that do not fit")
        // Procedure counts below zero once a version is taken out (its unit keeps others).
        var noActivity = memo
        noActivity.activity = noActivity.activity.map { _ in 0 }
        let taken = dossiers.values.first { d in
            !d.notReceived && d.procedure >= 0 && d.received >= periods[0].from && d.received <= periods[5].to
                && dossiers.values.filter { $0.unit == d.unit }.count > 1
        }!
        let negative = try build(dossiers, .update(RollupMemoUpdate(memo: noActivity, removed: [taken], added: [])))
        XCTAssertFalse(negative.memoUsed, "a procedure count below zero")
        XCTAssertEqual(negative.memoNote, "the kept sums do not match the state's dossiers")
        assertSame(negative, full, "procedure counts that do not fit")
        // A night that writes nothing keeps no new sums (and makes none).
        let notKept = try build(dossiers, .update(RollupMemoUpdate(memo: memo, removed: [], added: [], keep: false)))
        XCTAssertTrue(notKept.memoUsed)
        XCTAssertNil(notKept.memo)
        assertSame(notKept, full, "sums not kept")
        XCTAssertNil(try build(dossiers, .update(RollupMemoUpdate(memo: memo, removed: [], added: [], keep: false)), rules: .qd766).memo)
        let same = try build(dossiers, .update(RollupMemoUpdate(memo: memo, removed: [taken], added: [taken])))
        XCTAssertTrue(same.memoUsed)
        assertSame(same, full, "the same version out and in")
    }

    func testCutBytesDoNotReadAsSums() throws {
        var rng = SplitMix(seed: 3)
        var dossiers: [String: DossierState] = [:]
        for i in 0..<120 { dossiers["D\(i)"] = randomState(&rng, line: Int32(i)) }
        let bytes = try XCTUnwrap(try build(dossiers, .make).memo).encoded()
        XCTAssertNotNil(RollupMemo(decoding: bytes))
        XCTAssertEqual(RollupMemo(decoding: bytes)?.encoded(), bytes)
        for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 300)) {
            XCTAssertNil(RollupMemo(decoding: Array(bytes.prefix(cut))), "cut at \(cut) of \(bytes.count)")
        }
        XCTAssertNil(RollupMemo(decoding: bytes + [0]), "a byte past the end")
        // Sums naming a unit twice (well formed otherwise) are not sums: they would count it twice.
        var twice = try XCTUnwrap(RollupMemo(decoding: bytes))
        twice.unitCodes[1] = twice.unitCodes[0]
        XCTAssertNil(RollupMemo(decoding: twice.encoded()), "a unit named twice")
        var procedureTwice = try XCTUnwrap(RollupMemo(decoding: bytes))
        procedureTwice.procedureCodes[1] = procedureTwice.procedureCodes[0]
        XCTAssertNil(RollupMemo(decoding: procedureTwice.encoded()), "a procedure named twice")
    }
}
