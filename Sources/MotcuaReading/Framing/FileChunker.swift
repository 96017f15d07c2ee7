// Cuts one file's decompressed bytes into chunks of whole records (SPEC §2.1, §3.3 step 1):
// skips a leading BOM, never buffers more than `max_line_bytes` of one record, and turns a
// longer record into an `overlong` chunk holding its first bytes as the reject excerpt.
// A format with a header row has it sent first as a `header` chunk (blank lines before it as
// `blank` chunks, SPEC §2.3), each only counting its lines.
import MotcuaFoundation
import Foundation

package struct FileChunkResult {
    package init() {}
    /// Decompressed bytes handed on as whole records (all of them unless the input was corrupt).
    package var bytesKept = 0
    package var corrupt: CorruptInput?
}

public struct FileChunker {
    public static let defaultChunkBytes = 4 << 20
    static let excerptBytes = 200

    let fileIndex: Int
    let maxLineBytes: Int
    /// Chunks are sent once they hold this many bytes (tests use tiny chunks).
    let targetBytes: Int
    let pool: ChunkPool
    var framing: RecordFraming
    /// The first non-blank line is a header row.
    let headerRow: Bool
    let isCancelled: () -> Bool

    package init(fileIndex: Int, framing: FramingRule, headerRow: Bool, maxLineBytes: Int, targetBytes: Int, pool: ChunkPool,
                 isCancelled: @escaping () -> Bool) {
        self.fileIndex = fileIndex
        self.framing = RecordFraming(mode: framing)
        self.headerRow = headerRow
        self.maxLineBytes = maxLineBytes
        self.targetBytes = targetBytes
        self.pool = pool
        self.isCancelled = isCancelled
    }

    /// Chunk capacity that holds any record within the limit plus its CRLF.
    package static func chunkCapacity(maxLineBytes: Int, targetBytes: Int) -> Int {
        max(targetBytes, maxLineBytes + 2, 4096) + min(max(targetBytes, 4096), 64 << 10)
    }

    package mutating func run(_ reader: any ByteSource, emit: (Chunk) -> Void) throws -> FileChunkResult {
        var result = FileChunkResult()
        var seq = 0
        var chunk = pool.take()
        var len = 0
        var boundary = -1        // index of the last record-ending LF in chunk[0..<len], -1 when none
        var streamPos = 0        // decompressed bytes read so far (BOM included)
        var wantsHeader = headerRow
        let cap = chunk.capacity
        defer { pool.give(chunk) }

        func send(_ c: Chunk) {
            c.fileIndex = fileIndex
            c.seq = seq
            seq += 1
            emit(c)
        }
        // Sends chunk[0..<end] and moves the partial record after it into a fresh chunk.
        func emitRecords(through end: Int, kind: Chunk.Kind = .records) {
            let next = pool.take()
            let rest = len - end
            if rest > 0 { memcpy(next.base, chunk.base + end, rest) }
            chunk.count = end
            chunk.kind = kind
            send(chunk)
            chunk = next
            len = rest
            // A later boundary (after a header row) stays known; scanned bytes are not rescanned.
            boundary = boundary >= end ? boundary - end : -1
            result.bytesKept = streamPos - rest
        }
        func read() throws -> Int {
            let n = try reader.read(into: UnsafeMutableRawBufferPointer(start: chunk.base + len, count: cap - len))
            streamPos += n
            return n
        }
        func headerDone(through lf: Int) {
            // A blank line (LF or CRLF alone) before the header row is skipped (SPEC §2.3).
            let blank = lf == 0 || (lf == 1 && chunk.base[0] == 0x0D)
            if !blank { wantsHeader = false }
            emitRecords(through: lf + 1, kind: blank ? .blank : .header)
        }

        do {
            // A BOM is skipped before any framing sees it.
            while len < 3 {
                let n = try read()
                if n == 0 { break }
                len += n
            }
            if len >= 3 && chunk.base[0] == 0xEF && chunk.base[1] == 0xBB && chunk.base[2] == 0xBF {
                memmove(chunk.base, chunk.base + 3, len - 3)
                len -= 3
            }
            boundary = framing.lastBoundary(chunk.base, from: 0, to: len)
            while true {
                if isCancelled() { throw Interrupted() }
                if wantsHeader, boundary >= 0, let lf = firstLF(chunk.base, len, boundary) { headerDone(through: lf); continue }
                // Over the limit — and holding at least a full excerpt, so every reject shows one.
                if boundary < 0 && len > max(maxLineBytes + 1, FileChunker.excerptBytes) {
                    let marker = try skipOverlong(reader, &chunk, &len, &streamPos, &boundary, &result, wantsHeader: &wantsHeader)
                    send(marker)
                    continue
                }
                if boundary >= 0 && (len >= targetBytes || len == cap) {
                    emitRecords(through: boundary + 1)
                    continue
                }
                let before = len
                let n = try read()
                if n == 0 {
                    if wantsHeader && len > 0 {
                        // A file without a terminated header row (an empty file has none at all).
                        wantsHeader = false
                        emitRecords(through: len, kind: .header)
                    }
                    if len > 0 { emitRecords(through: len) }
                    result.bytesKept = streamPos
                    break
                }
                len += n
                let found = framing.lastBoundary(chunk.base, from: before, to: len)
                if found >= 0 { boundary = found }
            }
        } catch let damage as CorruptInput {
            // The partial record cut by the damage is dropped (SPEC §3.5, salvage).
            if boundary >= 0 { emitRecords(through: boundary + 1) }
            result.corrupt = damage
        }
        return result
    }

    /// The first record-ending LF in chunk[0...boundary] (for the header), re-framed from the start.
    private func firstLF(_ base: UnsafeMutablePointer<UInt8>, _ len: Int, _ boundary: Int) -> Int? {
        var f = RecordFraming(mode: framing.mode)
        var lines = 0
        let lf = f.firstBoundary(base, from: 0, to: boundary + 1, lines: &lines)
        return lf >= 0 ? lf : nil
    }

    /// A record over the limit: send its excerpt as an `overlong` chunk and discard the rest
    /// of it as it streams by, counting its lines.
    private mutating func skipOverlong(_ reader: any ByteSource, _ chunk: inout Chunk, _ len: inout Int, _ streamPos: inout Int,
                                       _ boundary: inout Int, _ result: inout FileChunkResult,
                                       wantsHeader: inout Bool) throws -> Chunk {
        let marker = pool.take()
        let excerpt = min(FileChunker.excerptBytes, len)
        memcpy(marker.base, chunk.base, excerpt)
        marker.count = excerpt
        marker.kind = .overlong
        var lines = 0
        for i in 0..<len where chunk.base[i] == 0x0A { lines += 1 }
        // Keep scanning (framing state continues) until the record ends.
        var end = -1
        var n = 0
        do {
            while true {
                if isCancelled() { throw Interrupted() }
                n = try reader.read(into: UnsafeMutableRawBufferPointer(start: chunk.base, count: chunk.capacity))
                streamPos += n
                if n == 0 { lines += 1; break }   // the record ends with the file
                end = framing.firstBoundary(chunk.base, from: 0, to: n, lines: &lines)
                if end >= 0 { break }
            }
        } catch {
            // Damage inside the record: it is dropped uncounted (salvage), and the marker goes back.
            pool.give(marker)
            len = 0
            boundary = -1
            throw error
        }
        marker.lines = max(lines, 1)
        if wantsHeader {
            // A header row over the limit (an empty header chunk): the file's rows will be malformed_csv.
            wantsHeader = false
            marker.kind = .header
            marker.count = 0
        }
        if end >= 0 {
            memmove(chunk.base, chunk.base + end + 1, n - end - 1)
            len = n - end - 1
            result.bytesKept = streamPos - len
            boundary = framing.lastBoundary(chunk.base, from: 0, to: len)
        } else {
            len = 0
            boundary = -1
            result.bytesKept = streamPos
        }
        return marker
    }
}

