// Outputs are streamed into their files (issue 19): the row encoders hand over a window of
// blocks at a time, the file sink writes a block at a time and asks for a signal before each.
// What a window boundary or a block boundary falls on must not change a byte.
import Foundation
import XCTest
@testable import MotcuaFoundation
@testable import MotcuaAggregate
@testable import MotcuaOutput

final class StreamedOutputTests: XCTestCase {
    /// More rows than one window holds for 1, 2 and 3 threads (4 blocks of 4,096 rows per
    /// thread: 16,384, 32,768, 49,152 rows): the JSON's separators and the CSV's lines across
    /// windows are those of one piece.
    func testWindowBoundariesChangeNoByte() throws {
        let units = UnitModel(catalog: [UnitInfo(code: "T", name: "Tỉnh", tier: "tinh", parent: "")], dossierUnitCodes: [])
        let periods = (0..<100).map { Period(label: "d\($0)", from: Int32(19_723 + $0), to: Int32(19_723 + $0)) }
        let rows = (0..<50_001).map { i in
            CounterRow(period: i / 701, unit: 0, scope: .own, sector: "G\(i % 701)",
                       values: (0..<counterColumns.count).map { Int64(i &* 31 &+ $0) })
        }
        let sink = MemorySink()
        try CountersOutput.writeJSON(rows, periods: periods, units: units, threads: 1, to: sink)
        let json = sink.bytes
        let parsed = try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any]
        let parsedRows = try XCTUnwrap(parsed?["rows"] as? [[String: Any]])
        XCTAssertEqual(parsedRows.count, rows.count)
        XCTAssertEqual(parsedRows[50_000]["sector_code"] as? String, "G\(50_000 % 701)")
        let csv = try CountersOutput.csv(rows, periods: periods, units: units, threads: 1)
        XCTAssertEqual(csv.count { $0 == 0x0A }, rows.count + 1)
        XCTAssertEqual(try CountersOutput.json(rows, periods: periods, units: units, threads: 3), json)
        XCTAssertEqual(try CountersOutput.csv(rows, periods: periods, units: units, threads: 2), csv)
    }

    /// Small pieces are gathered into 1 MiB blocks; the signal is asked once per block, and a
    /// signal stops the file at the next block with nothing more written.
    func testFileSinkWritesBlocksAndStopsBetweenThem() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sink-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let piece = [UInt8]((0..<1000).map { UInt8($0 % 251) })
        var asks = 0
        let whole = dir.appendingPathComponent("whole").path
        let sink = try FileSink(creating: whole, isCancelled: { asks += 1; return false })
        for _ in 0..<3500 { try sink.write(piece) }
        try sink.write([UInt8](repeating: 7, count: 3 << 20))   // bigger than a block: written as it is
        try sink.finish()
        let written = try Data(contentsOf: URL(fileURLWithPath: whole))
        XCTAssertEqual(written.count, 3500 * 1000 + (3 << 20))
        XCTAssertEqual(Array(written.prefix(2000)), piece + piece)
        XCTAssertLessThanOrEqual(asks, 6, "asked per block, not per piece")

        var stopAsks = 0
        let stopped = dir.appendingPathComponent("stopped").path
        let stopping = try FileSink(creating: stopped, isCancelled: { stopAsks += 1; return stopAsks > 1 })
        XCTAssertThrowsError(try { for _ in 0..<3500 { try stopping.write(piece) } }()) { e in
            XCTAssertTrue(e is Interrupted, "\(e)")
        }
        let size = (try FileManager.default.attributesOfItem(atPath: stopped)[.size] as? Int) ?? -1
        XCTAssertLessThanOrEqual(size, FileSink.blockBytes, "one block out before the signal, none after")
    }
}
