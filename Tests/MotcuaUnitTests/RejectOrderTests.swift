// A reducer can be handed a chunk of an earlier file after later ones (several files read at
// once, a thread out of files takes hand-overs). Its rejects must still come out in input
// order: a position before the last one starts a new log, and the logs merge by position.
import XCTest
import MotcuaTestSupport
@testable import MotcuaFoundation
@testable import MotcuaReading
@testable import MotcuaAggregate
@testable import MotcuaOutput
@testable import MotcuaPipeline
@testable import MotcuaRun
@testable import MotcuaGenerate

final class RejectOrderTests: XCTestCase {
    func testOutOfOrderRejectsStartANewLogAndMergeInInputOrder() {
        let partial = PartialResult(fileCount: 3)
        let excerpt: [UInt8] = Array("{".utf8)
        // File 2 first, then a hand-over from file 0, then file 1, then file 2 again.
        let positions: [(Int32, Int32, Int32)] = [(2, 0, 1), (2, 0, 5), (0, 3, 2), (0, 3, 9), (1, 0, 1), (2, 1, 1)]
        for (f, c, l) in positions {
            excerpt.withUnsafeBufferPointer {
                partial.reject(RecordPosition(file: f, chunk: c, line: l), .malformedJSON, excerpt: $0)
            }
        }
        XCTAssertEqual(partial.rejectLogs.count, 2, "one new log where the order went back")
        var merge = RejectMerge(partial.rejectLogs)
        var out: [RecordPosition] = []
        while let e = merge.next() { out.append(e.position) }
        XCTAssertEqual(out.map { [$0.file, $0.chunk, $0.line] },
                       [[0, 3, 2], [0, 3, 9], [1, 0, 1], [2, 0, 1], [2, 0, 5], [2, 1, 1]])
    }
}
