// A parse worker's loop body: walks a chunk's records with its file's decoder (the input
// format's, carried on the chunk), and folds each into the worker's partial result — the
// latest version per dossier, or a reject. Blank lines are skipped but counted (SPEC §2.1).
import MotcuaFoundation
import Foundation

public final class ChunkReducer {
    public let partial: PartialResult
    // Exclusivity unchecked at run time (the hot path): one thread owns this object at a time.
    /// The decoder of the file whose chunks came last (a worker mostly sees one file at a time).
    @exclusivity(unchecked) private var layout: (any FileLayout)?
    @exclusivity(unchecked) private var decoder: (any RecordDecoding)?

    public init(fileCount: Int, spillDirectory: String? = nil, keepFirstRejects: Int = Int.max) {
        partial = PartialResult(fileCount: fileCount, spillDirectory: spillDirectory, keepFirstRejects: keepFirstRejects)
    }

    public func reduce(_ chunk: Chunk) {
        let file = Int32(chunk.fileIndex), seq = Int32(chunk.seq)
        switch chunk.kind {
        case .overlong:
            partial.files[chunk.fileIndex].records += 1
            reject(RecordPosition(file: file, chunk: seq, line: 1), .lineTooLong, chunk.bytes)
            partial.chunkLines.append((file, seq, chunk.lines))
        case .header, .blank:
            partial.chunkLines.append((file, seq, chunk.count == 0 ? chunk.lines : physicalLines(chunk)))
        case .records:
            let d = decoder(for: chunk)
            let lines = walkRecords(chunk, d) { pos, bytes, reason, record in
                partial.files[chunk.fileIndex].records += 1
                if let reason {
                    // Before `rejectedValue`, which may reuse the scratch that unescaped ids live in.
                    if reason.isFieldCheck { noteRejectUnit(record) }
                    let value = d.rejectedValue(reason)
                    reject(pos, reason, bytes, value: value)
                    if case .invalid(let f) = reason, f.isDate {
                        partial.invalidDates[InvalidDateKey(file: file, field: f), default: InvalidDates()].note(pos, value ?? .none)
                    }
                } else {
                    keep(pos, record, fileIndex: chunk.fileIndex)
                }
            }
            partial.chunkLines.append((file, seq, lines))
        }
    }

    /// The decoder for a chunk's file, made again only when the file changes.
    @inline(__always)
    package func decoder(for chunk: Chunk) -> any RecordDecoding {
        if let d = decoder, chunk.context === layout { return d }
        guard let l = chunk.context as? any FileLayout else { preconditionFailure("a records chunk without its file's layout") }
        let d = l.makeDecoder()
        (layout, decoder) = (l, d)
        return d
    }

    /// Lines of a chunk: its LFs, plus a last line without LF.
    private func physicalLines(_ chunk: Chunk) -> Int {
        var n = 0
        for i in 0..<chunk.count where chunk.base[i] == 0x0A { n += 1 }
        if chunk.count > 0 && chunk.base[chunk.count - 1] != 0x0A { n += 1 }
        return n
    }

    @inline(__always)
    private func keep(_ pos: RecordPosition, _ record: borrowing DecodedRecord, fileIndex: Int) {
        partial.files[fileIndex].accepted += 1
        partial.newestDay = max(partial.newestDay, max(record.received, max(record.ended, record.returned)))
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

    /// Counts a rejected record under the unit it names, when it names one: MaDonVi when it is
    /// text, else the agency-code prefix of MaHoSo (what §2.2 would derive). Only for reasons of
    /// the field checks (`isFieldCheck`), which fill `record`'s id and unit before they reject.
    private func noteRejectUnit(_ record: borrowing DecodedRecord) {
        let unit = record.unit.isEmpty ? unitFromDossierId(record.id) : record.unit
        guard !unit.isEmpty else { return }
        let id = partial.units.id(unit)
        partial.rejectsByUnit[id, default: ExampleIds()].note(UnsafeBufferPointer(start: record.id.base, count: record.id.count))
    }

    /// A rejected record of this worker's (also used by `inspect`, which walks chunks itself);
    /// `value` is the offending value of an `invalid_value` reject.
    package func reject(_ pos: RecordPosition, _ reason: RejectReason, _ bytes: UnsafeBufferPointer<UInt8>, value: ByteText? = nil) {
        partial.files[Int(pos.file)].rejected += 1
        partial.reject(pos, reason, excerpt: UnsafeBufferPointer(rebasing: bytes.prefix(FileChunker.excerptBytes)), value: value)
    }
}

/// Decodes every record of a records chunk with `decoder`, calling `body` with each record's
/// position (its first physical line), bytes, reject reason and — when the reason is nil —
/// the decoded record; blank lines are skipped. Returns the chunk's physical lines.
@inline(__always)
package func walkRecords(_ chunk: Chunk, _ decoder: any RecordDecoding,
                         _ body: (RecordPosition, UnsafeBufferPointer<UInt8>, RejectReason?, borrowing DecodedRecord) -> Void) -> Int {
    var record = DecodedRecord()
    let file = Int32(chunk.fileIndex), seq = Int32(chunk.seq)
    let base = UnsafePointer(chunk.base), count = chunk.count
    var span = RecordSpan()
    var p = 0
    var line: Int32 = 1
    while p < count {
        let reason = decoder.decode(base, from: p, to: count, span: &span, into: &record)
        if span.byteCount > 0 {
            body(RecordPosition(file: file, chunk: seq, line: line), UnsafeBufferPointer(start: base + p, count: span.byteCount),
                 reason, record)
        }
        line += Int32(span.lineFeeds)
        p = span.next
    }
    // A last line without LF ends the file: it still counts.
    if count > 0 && base[count - 1] != 0x0A { line += 1 }
    return Int(line) - 1
}
