// `motcua inspect FILE...` (SPEC §7.1): what a new vendor's export holds — format, gzip
// members, records, fields with fill rates, NgayTiepNhan range, status and channel mix,
// rejects by reason — read with the same framing and decoding as a run.
import MotcuaFoundation
import MotcuaReading
import MotcuaAggregate
import MotcuaOutput
import MotcuaPipeline
import Foundation

public struct InspectReport {
    public var path: String
    public var format: InputFormat
    public var gzip: Bool
    public var gzipMembers: Int
    public var compressedBytes: Int
    public var bytes: Int
    public var lines: Int
    public var counts: FileCounts
    public var delimiter: String?
    /// (field, records where it is present and non-empty), in first-seen or header order.
    public var fields: [(name: String, filled: Int)]
    public var receivedFrom: String?
    public var receivedTo: String?
    public var statuses: [Int: Int]
    public var channels: [Int: Int]
    public var rejectsByReason: [String: Int]
    public var firstRejects: [(line: Int, reason: String)]
    public var warnings: [String]
    public var corrupt: CorruptInput?
    /// Workbooks: the sheet read and its header row.
    public var sheet: String?
    public var headerRow: Int?
    /// With `census`: per column (header order), its distinct trimmed values and their counts
    /// (at most `censusLimit` values a column).
    public var values: [[String: Int]]?
}

public enum Inspector {
    /// Inspects `path` read as `spec` (nil: as its first line suggests). With `census`, the
    /// distinct values of each column of a spreadsheet export are counted (`motcua init`).
    public static func inspect(path: String, spec given: InputSpec? = nil, maxLineBytes: Int = 1 << 20,
                               census: Bool = false) throws -> InspectReport {
        let spec = try given ?? sniffFormat(path)
        let file = InputFile(relativePath: path, absolutePath: path, spec: spec)
        var formatted = FormattedFile(spec, path: path, dates: DateTimeParser(), maxLineBytes: maxLineBytes)
        // Only the first rejects are kept; the rest are counted.
        let reducer = ChunkReducer(fileCount: 1, keepFirstRejects: 10)
        let partial = reducer.partial

        var fieldOrder: [String] = []
        var filled: [String: Int] = [:]
        var statuses: [Int: Int] = [:], channels: [Int: Int] = [:]
        var minDay = Int32.max, maxDay = Int32.min
        var values: [[String: Int]] = []
        var warnings: [String] = []
        let pool = ChunkPool(chunkCapacity: FileChunker.chunkCapacity(maxLineBytes: maxLineBytes, targetBytes: FileChunker.defaultChunkBytes), limit: 4)
        let reader = try formatted.open(path)
        var chunker = formatted.chunker(fileIndex: 0, targetBytes: FileChunker.defaultChunkBytes, pool: pool, isCancelled: { false })
        let result = try chunker.run(reader) { chunk in
            defer { pool.give(chunk) }
            formatted.stamp(chunk)
            if chunk.kind == .header, let l = formatted.layout {
                warnings = l.warnings
                fieldOrder = l.columnNames
                for h in fieldOrder { filled[h] = 0 }
            }
            guard chunk.kind == .records else { return reducer.reduce(chunk) }
            // The same decoding as a run, with what `inspect` shows gathered on the way.
            let decoder = reducer.decoder(for: chunk)
            let cells = census ? decoder as? CSVDecoder : nil
            let lines = walkRecords(chunk, decoder) { pos, bytes, reason, record in
                if let cells { countValues(cells, into: &values, columns: fieldOrder.count) }
                decoder.visitFields { name, isFilled in
                    if filled[name] == nil { fieldOrder.append(name); filled[name] = 0 }
                    if isFilled { filled[name]! += 1 }
                }
                partial.files[0].records += 1
                if let reason { return reducer.reject(pos, reason, bytes, value: decoder.rejectedValue(reason)) }
                partial.files[0].accepted += 1
                statuses[Int(record.status), default: 0] += 1
                channels[Int(record.channel), default: 0] += 1
                if record.received != noDay { minDay = min(minDay, record.received); maxDay = max(maxDay, record.received) }
            }
            partial.chunkLines.append((0, Int32(chunk.seq), lines))
        }
        var stream = NumberedRejects(partial, files: [file])
        let first = (0..<10).compactMap { _ in stream.next() }
        let byReason = NumberedRejects.byReason(partial)
        return InspectReport(
            path: path, format: spec.format, gzip: reader.isGzip, gzipMembers: reader.membersCompleted,
            compressedBytes: reader.compressedBytes, bytes: result.bytesKept,
            lines: partial.chunkLines.reduce(0) { $0 + Int($1.lines) }, counts: partial.files[0],
            delimiter: { if formatted.format is CSVFormat, case .csv(let d) = formatted.format.framing { return String(UnicodeScalar(d)) } else { return nil } }(),
            fields: fieldOrder.map { ($0, filled[$0] ?? 0) },
            receivedFrom: minDay == Int32.max ? nil : formatDay(minDay),
            receivedTo: maxDay == Int32.min ? nil : formatDay(maxDay),
            statuses: statuses, channels: channels, rejectsByReason: byReason,
            firstRejects: first.map { ($0.line, $0.reason) },
            warnings: warnings + reader.warnings, corrupt: result.corrupt,
            sheet: (reader as? SheetTextSource)?.sheetName, headerRow: (reader as? SheetTextSource)?.headerRow,
            values: census ? values : nil)
    }

    /// Distinct values kept per column: enough to see a column's labels or date forms.
    static let censusLimit = 200

    private static func countValues(_ decoder: CSVDecoder, into values: inout [[String: Int]], columns: Int) {
        if values.count < columns { values += Array(repeating: [:], count: columns - values.count) }
        for c in 0..<columns {
            guard let v = decoder.cell(c) else { break }
            let t = v.trimmingCharacters(in: CharacterSet(charactersIn: " \t\r\n"))
            if values[c][t] != nil || values[c].count < censusLimit { values[c][t, default: 0] += 1 }
        }
    }

    /// The first format of the registry that takes the file's first non-blank line.
    static func sniffFormat(_ path: String) throws -> InputSpec {
        let reader = try InputReader(path: path)
        var buf = [UInt8](repeating: 0, count: 64 << 10)
        let n = (try? buf.withUnsafeMutableBytes { try reader.read(into: $0) }) ?? 0
        var bytes = Array(buf[0..<n])
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        let firstLine = bytes.split(separator: 0x0A).first(where: { !$0.allSatisfy(isTrimmable) }) ?? []
        for format in InputFormats.all {
            if var spec = format.sniff(firstLine) {
                spec.patterns = [path]
                return spec
            }
        }
        preconditionFailure("the last format of the registry takes any file")
    }
}
