// The end of the reading stage on several threads: partial results merged without re-inserting
// (an id kept by several partials ends with its latest state, once, with codes re-interned),
// and the file schedule (neighbouring files per thread, the rest taken from the far end of
// the longest run, nothing handed out twice, the stop rule of input order).
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

final class MergeAndScheduleTests: XCTestCase {
    private func withText<T>(_ s: String, _ body: (ByteText) -> T) -> T {
        var s = s
        return s.withUTF8 { body(ByteText(base: $0.baseAddress, count: $0.count)) }
    }

    /// Four partials with overlapping ids at random positions; each interns its own unit
    /// codes in its own order. Built anew for every merge: a merge takes the others' dossiers.
    private func partials() -> ([PartialResult], expected: [String: (position: RecordPosition, unit: String)]) {
        var rng = SplitMix(seed: 21)
        var expected: [String: (position: RecordPosition, unit: String)] = [:]
        let partials = (0..<4).map { _ in PartialResult(fileCount: 1) }
        var line: Int32 = 0    // unique, so no two records share a position
        for (k, partial) in partials.enumerated() {
            for _ in 0..<30_000 {
                line += 1
                let serial = Int(rng.next() % 50_000) + k * 5_000
                let id = "000.00.01.H56-240101-\(serial)"
                let unit = "000.00.\(String(format: "%02d", (serial + k) % 37)).H56"
                let position = RecordPosition(file: 0, chunk: Int32(rng.next() % 50), line: line)
                let state = DossierState(position: position, unit: withText(unit) { partial.units.id($0) }, procedure: -1,
                                         sector: -1, received: 19_800, due: noDay, ended: noDay, returned: noDay,
                                         status: 4, channel: 2, returnChannel: 0, paidOnline: 0, flags: 0)
                withText(id) { partial.keep(id: $0, state) }
                if let old = expected[id], !(old.position < position) { continue }
                expected[id] = (position, unit)
            }
        }
        return (partials, expected)
    }

    func testMergeKeepsTheLatestStateOfEveryIdOnce() {
        for threads in [1, 3] {
            let (all, expected) = partials()
            let merged = all[0], others = Array(all.dropFirst())
            merged.merge(others, threads: threads)
            XCTAssertEqual(merged.dossierCount, expected.count, "threads \(threads)")
            XCTAssertTrue(others.allSatisfy { $0.dossierCount == 0 })
            // Each kept state: its unit re-interned, at the latest position of its id.
            var kept: [String] = []
            merged.forEachState { s in kept.append("\(merged.units.string(s.unit))|\(s.position.chunk)|\(s.position.line)") }
            let want = expected.values.map { "\($0.unit)|\($0.position.chunk)|\($0.position.line)" }
            XCTAssertEqual(kept.sorted(), want.sorted(), "threads \(threads)")
        }
    }

    func testScheduleHandsOutEveryFileOnceInNeighbouringRuns() {
        let sizes = [10, 10, 10, 10, 10, 10, 10, 10]
        var s = FileSchedule(files: sizes.enumerated().map { ($0.offset, $0.element) }, threads: 2)
        // Taking turns: each thread walks its own half in order.
        var got: [[Int]] = [[], []]
        for turn in 0..<8 { if let f = s.next(for: turn % 2) { got[turn % 2].append(f) } }
        XCTAssertEqual(got, [[0, 1, 2, 3], [4, 5, 6, 7]])
        XCTAssertNil(s.next(for: 0))
        // One thread alone: its run, then the other's from the far end.
        s = FileSchedule(files: sizes.enumerated().map { ($0.offset, $0.element) }, threads: 2)
        XCTAssertEqual((0..<8).compactMap { _ in s.next(for: 0) }, [0, 1, 2, 3, 7, 6, 5, 4])
        // Uneven sizes, many threads, random turns: every file exactly once.
        var rng = SplitMix(seed: 5)
        for threads in [1, 2, 3, 5, 9] {
            let files = (0..<Int(rng.next() % 20)).map { ($0, Int(rng.next() % 1_000)) }
            let schedule = FileSchedule(files: files, threads: threads)
            var handed: [Int] = []
            var active = Set(0..<threads)
            while let t = active.randomElement(using: &rng) {
                if let f = schedule.next(for: t) { handed.append(f) } else { active.remove(t) }
            }
            XCTAssertEqual(handed.sorted(), files.map(\.0), "threads \(threads)")
        }
    }

    /// One thread taking 200,000 files, most from the other's run: each take costs the same
    /// (it summed every file left, so a run over 300,000 files never finished reading).
    func testTakingFromAnotherRunStaysCheap() {
        let s = FileSchedule(files: (0..<200_000).map { ($0, 10) }, threads: 2)
        let started = Date()
        var taken = 0
        while s.next(for: 0) != nil { taken += 1 }
        XCTAssertEqual(taken, 200_000)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
    }

    /// A signal: nothing starts after it, in any run.
    func testAStopAtTheFirstFileStopsEverything() {
        let s = FileSchedule(files: (0..<6).map { ($0, 100) }, threads: 2)
        XCTAssertEqual(s.next(for: 1), 3)
        s.stop(at: 0)
        XCTAssertNil(s.next(for: 0))
        XCTAssertNil(s.next(for: 1))
    }

    func testAfterAStopOnlyEarlierFilesStart() {
        let s = FileSchedule(files: (0..<6).map { ($0, 100) }, threads: 2)
        XCTAssertEqual(s.next(for: 0), 0)
        XCTAssertEqual(s.next(for: 1), 3)
        s.stop(at: 3)
        XCTAssertEqual(s.next(for: 1), 2, "taken from the other run: before the stop")
        XCTAssertEqual(s.next(for: 0), 1)
        XCTAssertNil(s.next(for: 0))
        XCTAssertNil(s.next(for: 1))
    }
}

extension SplitMix: RandomNumberGenerator {}
