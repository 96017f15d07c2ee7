// A signal heard in every phase of a run (RELIABILITY.md §4d): the input listing, the row
// encoders, the workbook and the publisher's writes ask their `isCancelled` between pieces of
// work — per directory read, per block of rows, per sheet, per block of bytes — stop there with
// `Interrupted`, and leave no file behind. scripts/reliability/signal_latency.sh measures it
// on the built binary.
import Foundation
import XCTest
import MotcuaTestSupport
@testable import MotcuaFoundation
@testable import MotcuaAggregate
@testable import MotcuaOutput
@testable import MotcuaPipeline

/// A stand-in for the signal flag: false for the first `falseAsks` asks, then true for good;
/// counts the asks (from any thread).
private final class Asks: @unchecked Sendable {
    private let lock = NSLock()
    private let falseAsks: Int
    private(set) var count = 0
    /// When it first said true.
    private(set) var raised: Date?

    init(falseAsks: Int = .max) { self.falseAsks = falseAsks }

    func ask() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        count += 1
        if count > falseAsks && raised == nil { raised = Date() }
        return count > falseAsks
    }
}

final class InterruptionTests: XCTestCase {
    private func write(_ path: URL) throws {
        try FileManager.default.createDirectory(at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: path)
    }

    func testGlobWalkStopsWhenAsked() throws {
        let dir = try Harness.scratch("glob-stop")
        defer { try? FileManager.default.removeItem(at: dir) }
        for a in 0..<12 { for b in 0..<3 { for f in 0..<4 { try write(dir.appendingPathComponent("d\(a)/e\(b)/f\(f).gz")) } } }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("flat"), withIntermediateDirectories: true)
        for f in 0..<3_000 { FileManager.default.createFile(atPath: dir.appendingPathComponent("flat/f\(f).gz").path, contents: nil) }
        var warnings: [String] = []

        let never = Asks()
        let all = try Glob.expand("**/*.gz", base: dir.path, warnings: &warnings, isCancelled: never.ask)
        XCTAssertEqual(all.count, 12 * 3 * 4 + 3_000)
        XCTAssertEqual(Set(all), Set(Glob.expand("**/*.gz", base: dir.path)))
        XCTAssertLessThan(never.count, 200, "asked per directory read and per 1,024 names, not per file")

        // Stops at the first ask that says so: no directory is read after it.
        let soon = Asks(falseAsks: 5)
        XCTAssertThrowsError(try Glob.expand("**/*.gz", base: dir.path, warnings: &warnings, isCancelled: soon.ask)) { e in
            XCTAssertTrue(e is Interrupted, "\(e)")
        }
        XCTAssertEqual(soon.count, 6)
        // One huge directory: asked every 1,024 names within it.
        let flat = Asks(falseAsks: 2)
        XCTAssertThrowsError(try Glob.expand("flat/*.gz", base: dir.path, warnings: &warnings, isCancelled: flat.ask))
        XCTAssertEqual(flat.count, 3)
    }

    func testInputSetStopsWhenAsked() throws {
        let dir = try Harness.scratch("inputs-stop")
        defer { try? FileManager.default.removeItem(at: dir) }
        for a in 0..<40 { try write(dir.appendingPathComponent("exports/\(a)/x.ndjson.gz")) }
        let yaml = dir.appendingPathComponent("p.yaml")
        try Data("""
            version: 1
            name: p
            inputs:
              - { format: dvcqg-ndjson, paths: ["exports/**/*.ndjson.gz"] }
            periods: { kind: month, from: 2024-02-01, to: 2024-02-29 }
            outputs: { dir: out }
            """.utf8).write(to: yaml)
        let pipeline = try PipelineLoader.load(path: yaml.path)
        XCTAssertEqual(try InputSet.resolve(pipeline).files.count, 40)
        XCTAssertThrowsError(try InputSet.resolve(pipeline, isCancelled: Asks(falseAsks: 10).ask)) { e in
            XCTAssertTrue(e is Interrupted, "\(e)")
        }
    }

    /// The listing's sort: runs merged pairwise, the same order as `bytewiseLess`.
    func testBytewiseOrderSortsInPieces() throws {
        var rng = SplitMix(seed: 5)
        let letters = Array("ab/.Đđz-0é".unicodeScalars)
        for count in [0, 1, 2, 4_095, 4_096, 4_097, 20_000] {
            let keys = (0..<count).map { _ in
                String(String.UnicodeScalarView((0..<Int(rng.next() % 12)).map { _ in letters[Int(rng.next() % UInt64(letters.count))] }))
            }
            let order = try bytewiseOrder(keys, isCancelled: { false })
            XCTAssertEqual(Set(order), Set(keys.indices), "\(count)")
            XCTAssertEqual(order.map { keys[$0] }, keys.sorted(by: bytewiseLess), "\(count)")
        }
        let asks = Asks(falseAsks: 3)
        XCTAssertThrowsError(try bytewiseOrder((0..<50_000).map { "p\($0)" }, isCancelled: asks.ask)) { e in XCTAssertTrue(e is Interrupted) }
        XCTAssertEqual(asks.count, 4)
    }

    func testBlocksStopBetweenBlocks() throws {
        for threads in [1, 2, 3] {
            let never = Asks()
            let parts = try SideBySide.blocks(10_000, threads: threads, minimum: 100, block: 1_000, isCancelled: never.ask) { Array($0) }
            XCTAssertEqual(parts.flatMap { $0 }, Array(0..<10_000))
            XCTAssertTrue(parts.allSatisfy { $0.count <= 1_000 })
            XCTAssertEqual(never.count, parts.count + 1, "once per block, once after")

            let ran = Asks()
            let stop = Asks(falseAsks: 2)
            XCTAssertThrowsError(try SideBySide.blocks(10_000, threads: threads, minimum: 100, block: 1_000,
                                                       isCancelled: stop.ask) { _ in ran.ask() }) { e in
                XCTAssertTrue(e is Interrupted, "\(e)")
            }
            XCTAssertLessThanOrEqual(ran.count, 2, "no block starts after the flag is up")
        }
        XCTAssertEqual(try SideBySide.blocks(0, threads: 2, block: 10, isCancelled: { false }) { Array($0) }, [])
    }

    /// Rows enough for many blocks; the encoders ask per block of rows, not per row.
    func testRowEncodersStopBetweenBlocks() throws {
        let units = UnitModel(catalog: [UnitInfo(code: "T", name: "Tỉnh", tier: "tinh", parent: "")], dossierUnitCodes: [])
        let periods = (0..<100).map { Period(label: "d\($0)", from: Int32(19_723 + $0), to: Int32(19_723 + $0)) }
        let zero = [Int64](repeating: 1, count: counterColumns.count)
        let rows = (0..<50_000).map { CounterRow(period: $0 / 500, unit: 0, scope: .own, sector: "G\($0 % 500)", values: zero) }
        let kpis = (0..<50_000).map { KPIRow(period: $0 / 500, unit: 0, scope: .own, kpiIndex: $0 % KPIs.names.count,
                                             numerator: 1, denominator: 2, target: nil) }

        let never = Asks()
        XCTAssertEqual(try CountersOutput.csv(rows, periods: periods, units: units, threads: 2, isCancelled: never.ask),
                       try CountersOutput.csv(rows, periods: periods, units: units))
        XCTAssertLessThan(never.count, 50, "per block of rows, not per row")

        let encoders: [(String, (@escaping () -> Bool) throws -> [UInt8])] = [
            ("counters.csv", { try CountersOutput.csv(rows, periods: periods, units: units, threads: 2, isCancelled: $0) }),
            ("counters.json", { try CountersOutput.json(rows, periods: periods, units: units, threads: 2, isCancelled: $0) }),
            ("kpis.csv", { try KPIOutput.csv(kpis, periods: periods, units: units, threads: 1, isCancelled: $0) }),
            ("kpis.json", { try KPIOutput.json(kpis, periods: periods, units: units, threads: 3, isCancelled: $0) }),
            ("bieu-ii06a.csv", { try FormII06aOutput.csv(rows, periods: periods, units: units, sectorNames: [:], isCancelled: $0) }),
        ]
        for (name, encode) in encoders {
            for falseAsks in [0, 3] {
                let asks = Asks(falseAsks: falseAsks)
                XCTAssertThrowsError(try encode(asks.ask), name) { e in XCTAssertTrue(e is Interrupted, "\(name): \(e)") }
                // Each of up to 3 threads asks once more, then the join once.
                XCTAssertLessThanOrEqual(asks.count, falseAsks + 4, "\(name): stops at the next ask")
            }
        }
    }

    func testFormCSVLinesEndInCRLF() throws {
        let units = UnitModel(catalog: [UnitInfo(code: "T", name: "Tỉnh \"A\",\nB", tier: "tinh", parent: "")], dossierUnitCodes: [])
        let periods = [Period(label: "2024-03", from: 19_783, to: 19_813)]
        let values = [Int64](repeating: 2, count: counterColumns.count)
        let rows = [CounterRow(period: 0, unit: 0, scope: .own, sector: "", values: values),
                    CounterRow(period: 0, unit: 0, scope: .own, sector: "G1", values: values)]
        let text = String(decoding: try FormII06aOutput.csv(rows, periods: periods, units: units, sectorNames: ["G1": "Hộ\ntịch"]),
                          as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("\u{FEFF}Kỳ báo cáo,"))
        // Three records, each ended by CRLF; the line breaks inside quoted cells stay LF.
        XCTAssertEqual(text.components(separatedBy: "\r\n").count, 4)
        XCTAssertTrue(text.contains("\"Tỉnh \"\"A\"\",\nB\""))
        XCTAssertTrue(text.contains("\"Hộ\ntịch\""))
        XCTAssertTrue(text.hasSuffix(",2,2,2,2,2,2,2,2,2,2,2\r\n"))
    }

    /// Thousands of sheets take libxlsxwriter most of a second to pack: a signal then stops
    /// it (its child process killed) at the next 10 ms poll, and no file is left.
    func testWorkbookStopsWhilePacked() throws {
        let catalog = (0..<3_000).map { UnitInfo(code: "U\($0)", name: "Đơn vị \($0)", tier: "xa", parent: "") }
        let units = UnitModel(catalog: catalog, dossierUnitCodes: [])
        let periods = [Period(label: "2024-03", from: 19_783, to: 19_813)]
        let values = [Int64](repeating: 3, count: counterColumns.count)
        let rows = (0..<3_000).flatMap { u in
            [CounterRow(period: 0, unit: u, scope: .own, sector: "", values: values),
             CounterRow(period: 0, unit: u, scope: .own, sector: "G1", values: values)]
        }
        let dir = try Harness.scratch("workbook-stop")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("bieu-ii06a.xlsx").path

        // While the sheets are made: nothing was written yet.
        XCTAssertThrowsError(try FormII06aWorkbook.write(rows, periods: periods, units: units, sectorNames: [:], to: path,
                                                         isCancelled: Asks(falseAsks: 100).ask)) { e in XCTAssertTrue(e is Interrupted) }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [])

        // While they are packed: one ask per sheet, then the polls.
        let asks = Asks(falseAsks: 3_000 + 1)
        XCTAssertThrowsError(try FormII06aWorkbook.write(rows, periods: periods, units: units, sectorNames: [:], to: path,
                                                         isCancelled: asks.ask)) { e in XCTAssertTrue(e is Interrupted) }
        let latency = Date().timeIntervalSince(try XCTUnwrap(asks.raised))
        XCTAssertLessThan(latency, 0.2)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [])

        try FormII06aWorkbook.write(rows, periods: periods, units: units, sectorNames: [:], to: path, isCancelled: Asks().ask)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)).prefix(2), Data("PK".utf8), "written whole when not asked to stop")
    }

    /// A set being written stops between blocks (each file streamed to its temporary path
    /// through a FileSink), before anything is visible; a stop asked once the files are
    /// written stops the publish before anything moves. Either way the previous set stays,
    /// and `discard()` leaves no temporary file.
    func testPublishStopsBetweenBlocks() throws {
        let dir = try Harness.scratch("publish-stop")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out").path
        let output = try OutputDirectory(path: out)
        func streamed(_ name: String, _ bytes: [UInt8], isCancelled: @escaping () -> Bool) throws -> (name: String, path: String) {
            let sink = try FileSink(creating: output.temporaryPath(name), isCancelled: isCancelled)
            for start in stride(from: 0, to: bytes.count, by: 64 << 10) { try sink.write(Array(bytes[start..<min(start + (64 << 10), bytes.count)])) }
            try sink.finish()
            return (name, sink.path)
        }
        try output.publish([try streamed("summary.json", Array("{}".utf8), isCancelled: { false })])

        let asks = Asks(falseAsks: 2)
        XCTAssertThrowsError(try streamed("counters.csv", [UInt8](repeating: 0x41, count: 40 << 20), isCancelled: asks.ask)) { e in
            XCTAssertTrue(e is Interrupted, "\(e)")
        }
        XCTAssertEqual(asks.count, 3, "the third block of counters.csv is not written")
        output.discard()

        let written = [try streamed("summary.json", Array("{\"new\":1}".utf8), isCancelled: { false })]
        XCTAssertThrowsError(try output.publish(written, isCancelled: { true })) { e in XCTAssertTrue(e is Interrupted, "\(e)") }
        output.discard()

        XCTAssertEqual(try String(contentsOfFile: "\(out)/summary.json", encoding: .utf8), "{}")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(out)/counters.csv"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["out"], "no staging directory left")
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: out).contains { $0.hasPrefix(temporaryFileMarker) })
    }
}
