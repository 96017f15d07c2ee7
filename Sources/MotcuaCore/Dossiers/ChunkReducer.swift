// A parse worker's loop body: frames a chunk into lines (LF or CRLF, blank lines skipped but
// counted, SPEC §2.1), decodes each record and folds it into the worker's partial result.
import Foundation

public final class ChunkReducer {
    public let partial: PartialResult
    /// A decoder per distinct date setting; `decoderOfFile` picks one per file.
    private let decoders: [RecordDecoder]
    private let decoderOfFile: [Int]
    private var record = DecodedRecord()

    /// Hooks for `motcua inspect`: every non-blank NDJSON line, every CSV record's cells, and
    /// every accepted record. Nil in runs.
    var onLine: ((UnsafeBufferPointer<UInt8>) -> Void)?
    var onCSVCells: ((UnsafePointer<UInt8>, CSVRecordSplitter) -> Void)?
    var onAccepted: ((DecodedRecord) -> Void)?
    private let contexts: InputContexts?
    private var csvLayout: (file: Int, layout: CSVLayout, splitter: CSVRecordSplitter)?
    private var csvRecord = CSVRecord()

    init(fileCount: Int, dates: DateTimeParser, maxLineBytes: Int, parsers: [DateTimeParser] = [],
         contexts: InputContexts? = nil, spillDirectory: String? = nil, keepFirstRejects: Int = Int.max) {
        self.contexts = contexts
        partial = PartialResult(fileCount: fileCount, spillDirectory: spillDirectory, keepFirstRejects: keepFirstRejects)
        var distinct: [DateTimeParser] = []
        var index: [Int] = []
        for p in parsers {
            if let i = distinct.firstIndex(where: { $0.pinned == p.pinned && $0.zoneMinutes == p.zoneMinutes }) {
                index.append(i)
            } else {
                index.append(distinct.count)
                distinct.append(p)
            }
        }
        if distinct.isEmpty { distinct = [dates] }
        decoders = distinct.map { RecordDecoder(dates: $0, maxLineBytes: maxLineBytes) }
        decoderOfFile = index.isEmpty ? [Int](repeating: 0, count: fileCount) : index
    }

    public func reduce(_ chunk: Chunk) {
        let file = Int32(chunk.fileIndex), seq = Int32(chunk.seq)
        switch chunk.kind {
        case .overlong:
            partial.files[chunk.fileIndex].records += 1
            reject(RecordPosition(file: file, chunk: seq, line: 1), .lineTooLong, chunk.bytes)
            partial.chunkLines.append((file, seq, chunk.lines))
        case .header:
            partial.chunkLines.append((file, seq, chunk.kind == .header && chunk.count == 0 ? chunk.lines : physicalLines(chunk)))
        case .records:
            if contexts?.formats[chunk.fileIndex] == .csv { reduceCSV(chunk) } else { reduceLines(chunk) }
        }
    }

    /// Lines of a chunk: its LFs, plus a last line without LF.
    private func physicalLines(_ chunk: Chunk) -> Int {
        var n = 0
        for i in 0..<chunk.count where chunk.base[i] == 0x0A { n += 1 }
        if chunk.count > 0 && chunk.base[chunk.count - 1] != 0x0A { n += 1 }
        return n
    }

    private func reduceCSV(_ chunk: Chunk) {
        let file = Int32(chunk.fileIndex), seq = Int32(chunk.seq)
        if csvLayout?.file != chunk.fileIndex {
            let layout = contexts?.layout(file: chunk.fileIndex) ?? CSVLayout(header: nil, delimiter: 0x2C, overrides: [:], file: "")
            csvLayout = (chunk.fileIndex, layout, CSVRecordSplitter(delimiter: contexts!.delimiters[chunk.fileIndex]))
        }
        let decoder = decoders[decoderOfFile[chunk.fileIndex]]
        var p = 0
        var line: Int32 = 1
        while p < chunk.count {
            let reason = decoder.decodeCSV(chunk.base, from: p, to: chunk.count, layout: csvLayout!.layout,
                                           splitter: &csvLayout!.splitter, record: &csvRecord, into: &record)
            let pos = RecordPosition(file: file, chunk: seq, line: line)
            let bytes = UnsafeBufferPointer(start: chunk.base + p, count: csvRecord.byteCount)
            if csvRecord.byteCount > 0 {
                onCSVCells?(decoder.cellBuffer, csvLayout!.splitter)
                partial.files[chunk.fileIndex].records += 1
                if let reason { reject(pos, reason, bytes) } else { keep(pos, fileIndex: chunk.fileIndex) }
            }
            // A record without a terminator ends the file: its last line still counts.
            line += Int32(csvRecord.lineFeeds)
            if csvRecord.next >= chunk.count && chunk.base[chunk.count - 1] != 0x0A { line += 1 }
            p = csvRecord.next
        }
        partial.chunkLines.append((file, seq, Int(line) - 1))
    }

    private func reduceLines(_ chunk: Chunk) {
        let file = Int32(chunk.fileIndex), seq = Int32(chunk.seq)
        let base = chunk.base
        let count = chunk.count
        var p = 0
        var line: Int32 = 0
        while p < count {
            let lf = memchr(base + p, 0x0A, count - p)
            var end = lf.map { base.distance(to: $0.assumingMemoryBound(to: UInt8.self)) } ?? count
            let next = lf == nil ? count : end + 1
            line += 1
            // A CR is part of the terminator only when LF follows it.
            if lf != nil && end > p && base[end - 1] == 0x0D { end -= 1 }
            if end > p {
                onLine?(UnsafeBufferPointer(start: base + p, count: end - p))
                handle(UnsafeBufferPointer(start: base + p, count: end - p),
                       RecordPosition(file: file, chunk: seq, line: line), fileIndex: chunk.fileIndex)
            }
            p = next
        }
        partial.chunkLines.append((file, seq, Int(line)))
    }

    @inline(__always)
    private func handle(_ bytes: UnsafeBufferPointer<UInt8>, _ pos: RecordPosition, fileIndex: Int) {
        partial.files[fileIndex].records += 1
        if let reason = decoders[decoderOfFile[fileIndex]].decode(bytes, into: &record) {
            reject(pos, reason, bytes)
            return
        }
        keep(pos, fileIndex: fileIndex)
    }

    @inline(__always)
    private func keep(_ pos: RecordPosition, fileIndex: Int) {
        partial.files[fileIndex].accepted += 1
        onAccepted?(record)
        var flags: UInt8 = 0
        if record.digitized { flags |= DossierState.digitizedFlag }
        if record.feeBearing { flags |= DossierState.feeBearingFlag }
        if record.eResult { flags |= DossierState.eResultFlag }
        let state = DossierState(
            position: pos,
            unit: partial.units.id(record.unit),
            procedure: partial.procedures.id(record.procedure),
            sector: partial.sectors.id(record.sector),
            received: record.received, due: record.due, ended: record.ended, returned: record.returned,
            status: record.status, channel: record.channel, returnChannel: record.returnChannel,
            paidOnline: record.paidOnline, flags: flags)
        partial.keep(id: record.id, state)
    }

    private func reject(_ pos: RecordPosition, _ reason: RejectReason, _ bytes: UnsafeBufferPointer<UInt8>) {
        partial.files[Int(pos.file)].rejected += 1
        partial.reject(pos, reason, excerpt: UnsafeBufferPointer(rebasing: bytes.prefix(FileChunker.excerptBytes)))
    }
}
