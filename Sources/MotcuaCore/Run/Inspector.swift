// `motcua inspect FILE...` (SPEC §7.1): what a new vendor's export holds — format, gzip
// members, records, fields with fill rates, NgayTiepNhan range, status and channel mix,
// rejects by reason — read with the same framing and decoding as a run.
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
}

public enum Inspector {
    public static func inspect(path: String, maxLineBytes: Int = 1 << 20) throws -> InspectReport {
        let sniff = try sniffFormat(path)
        var spec = InputSpec(format: sniff.format, patterns: [path])
        spec.delimiter = sniff.delimiter
        let file = InputFile(relativePath: path, absolutePath: path, spec: spec)
        let contexts = InputContexts(files: [file])
        // Only the first rejects are kept; the rest are counted.
        let reducer = ChunkReducer(fileCount: 1, dates: DateTimeParser(), maxLineBytes: maxLineBytes, contexts: contexts,
                                   keepFirstRejects: 10)

        var fieldOrder: [String] = []
        var filled: [String: Int] = [:]
        var statuses: [Int: Int] = [:], channels: [Int: Int] = [:]
        var minDay = Int32.max, maxDay = Int32.min
        reducer.onAccepted = { r in
            statuses[Int(r.status), default: 0] += 1
            channels[Int(r.channel), default: 0] += 1
            if r.received != noDay { minDay = min(minDay, r.received); maxDay = max(maxDay, r.received) }
        }
        var keys = TopLevelKeys()
        reducer.onLine = { line in
            keys.visit(line) { name in
                if filled[name] == nil { fieldOrder.append(name) }
                filled[name, default: 0] += 1
            } onEmpty: { name in
                if filled[name] == nil { fieldOrder.append(name); filled[name] = 0 }
            }
        }
        var header: [String] = []
        reducer.onCSVCells = { buf, splitter in
            for c in 0..<min(header.count, splitter.cellCount) where splitter.ends[c] > splitter.starts[c] {
                filled[header[c], default: 0] += 1
            }
        }

        let pool = ChunkPool(chunkCapacity: FileChunker.chunkCapacity(maxLineBytes: maxLineBytes, targetBytes: FileChunker.defaultChunkBytes), limit: 4)
        let reader = try InputReader(path: path)
        var chunker = FileChunker(fileIndex: 0, maxLineBytes: maxLineBytes, targetBytes: FileChunker.defaultChunkBytes,
                                  pool: pool, isCancelled: { false })
        if sniff.format == .csv {
            chunker.framing = RecordFraming(mode: .csv(delimiter: sniff.delimiter))
            chunker.onHeader = { bytes in
                let layout = CSVLayout(header: bytes, delimiter: sniff.delimiter, overrides: [:], file: path)
                contexts.setLayout(layout, file: 0)
                header = headerNames(bytes, delimiter: sniff.delimiter)
                fieldOrder = header
                for h in header { filled[h] = 0 }
            }
        }
        let result = try chunker.run(reader) { chunk in
            reducer.reduce(chunk)
            pool.give(chunk)
        }
        let partial = reducer.partial
        var stream = NumberedRejects(partial, files: [file])
        let first = (0..<10).compactMap { _ in stream.next() }
        let byReason = NumberedRejects.byReason(partial)
        return InspectReport(
            path: path, format: sniff.format, gzip: reader.isGzip, gzipMembers: reader.membersCompleted,
            compressedBytes: reader.compressedBytes, bytes: result.bytesKept,
            lines: partial.chunkLines.reduce(0) { $0 + Int($1.lines) }, counts: partial.files[0],
            delimiter: sniff.format == .csv ? String(UnicodeScalar(sniff.delimiter)) : nil,
            fields: fieldOrder.map { ($0, filled[$0] ?? 0) },
            receivedFrom: minDay == Int32.max ? nil : formatDay(minDay),
            receivedTo: maxDay == Int32.min ? nil : formatDay(maxDay),
            statuses: statuses, channels: channels, rejectsByReason: byReason,
            firstRejects: first.map { ($0.line, $0.reason) },
            warnings: contexts.warnings, corrupt: result.corrupt)
    }

    /// NDJSON when the first non-blank line starts with `{`; otherwise CSV with the delimiter
    /// (`,` `;` or tab) that the first line holds most of.
    static func sniffFormat(_ path: String) throws -> (format: InputFormat, delimiter: UInt8) {
        let reader = try InputReader(path: path)
        var buf = [UInt8](repeating: 0, count: 64 << 10)
        let n = (try? buf.withUnsafeMutableBytes { try reader.read(into: $0) }) ?? 0
        var bytes = Array(buf[0..<n])
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        let firstLine = bytes.split(separator: 0x0A).first(where: { !$0.allSatisfy(isTrimmable) }) ?? []
        if firstLine.first(where: { !isTrimmable($0) }) == UInt8(ascii: "{") { return (.dvcqgNdjson, 0x2C) }
        let candidates: [UInt8] = [0x2C, 0x3B, 0x09]
        let best = candidates.max { a, b in firstLine.filter { $0 == a }.count < firstLine.filter { $0 == b }.count }!
        return (.csv, best)
    }

    static func headerNames(_ bytes: UnsafeBufferPointer<UInt8>?, delimiter: UInt8) -> [String] {
        guard let bytes, let base = bytes.baseAddress, bytes.count > 0 else { return [] }
        let splitter = CSVRecordSplitter(delimiter: delimiter)
        let out = UnsafeMutablePointer<UInt8>.allocate(capacity: bytes.count)
        defer { out.deallocate() }
        let rec = splitter.split(base, from: 0, to: bytes.count, into: out)
        return (0..<rec.cellCount).map {
            String(decoding: UnsafeBufferPointer(start: out + splitter.starts[$0], count: splitter.ends[$0] - splitter.starts[$0]), as: UTF8.self)
        }
    }
}

/// Top-level keys of an NDJSON line and whether each value is filled (not null, not "").
struct TopLevelKeys {
    private var names = ByteKeyTable(capacity: 64)
    private var strings: [String] = []

    mutating func visit(_ line: UnsafeBufferPointer<UInt8>, onFilled: (String) -> Void, onEmpty: (String) -> Void) {
        guard let base = line.baseAddress else { return }
        var c = Cursor(base: base, end: line.count)
        c.skipWS()
        guard c.peek == UInt8(ascii: "{") else { return }
        c.pos += 1
        while true {
            c.skipWS()
            guard c.peek == UInt8(ascii: "\"") else { return }
            c.pos += 1
            let ks = c.pos
            guard c.scanStringBody() != nil else { return }
            let (idx, inserted) = names.findOrInsert(base + ks, c.pos - 1 - ks)
            if inserted { strings.append(String(decoding: UnsafeBufferPointer(start: base + ks, count: c.pos - 1 - ks), as: UTF8.self)) }
            c.skipWS()
            guard c.peek == UInt8(ascii: ":") else { return }
            c.pos += 1
            c.skipWS()
            let vs = c.pos
            guard let kind = c.skipScalarOrContainer(depth: 1) else { return }
            let empty = kind == .null || (kind == .string && c.pos - vs == 2)
            if empty { onEmpty(strings[idx]) } else { onFilled(strings[idx]) }
            c.skipWS()
            guard c.peek == UInt8(ascii: ",") else { return }
            c.pos += 1
        }
    }
}
