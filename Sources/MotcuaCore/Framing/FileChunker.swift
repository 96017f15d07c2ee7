// Cuts one file's decompressed bytes into chunks of whole lines (SPEC §2.1, §3.3 step 1):
// skips a leading BOM, never buffers more than `max_line_bytes` of one line, and turns a
// longer line into an `overlong` chunk holding its first bytes as the reject excerpt.
import Foundation

struct FileChunkResult {
    /// Decompressed bytes handed on as whole lines (all of them unless the input was corrupt).
    var bytesKept = 0
    var corrupt: CorruptInput?
}

public struct FileChunker {
    public static let defaultChunkBytes = 4 << 20
    static let excerptBytes = 200

    let fileIndex: Int
    let maxLineBytes: Int
    /// Chunks are sent once they hold this many bytes (tests use tiny chunks).
    let targetBytes: Int
    let pool: ChunkPool
    let isCancelled: () -> Bool

    /// Chunk capacity that holds any line within the limit plus its CRLF.
    static func chunkCapacity(maxLineBytes: Int, targetBytes: Int) -> Int {
        max(targetBytes, maxLineBytes + 2) + min(targetBytes, 64 << 10)
    }

    func run(_ reader: InputReader, emit: (Chunk) -> Void) throws -> FileChunkResult {
        var result = FileChunkResult()
        var seq = 0
        var chunk = pool.take()
        var len = 0
        var lastLF = -1          // index of the last LF in chunk[0..<len], -1 when none
        var skipping = false     // discarding the rest of an overlong line
        var bomChecked = false
        var streamPos = 0        // decompressed bytes read so far (BOM included)
        let cap = chunk.capacity
        defer { pool.give(chunk) }

        func send(_ c: Chunk) {
            c.fileIndex = fileIndex
            c.seq = seq
            seq += 1
            emit(c)
        }
        func emitLines(through end: Int) {
            // Move the partial line after `end` into a fresh chunk, send the full one.
            let next = pool.take()
            let rest = len - end
            if rest > 0 { memcpy(next.base, chunk.base + end, rest) }
            chunk.count = end
            send(chunk)
            chunk = next
            len = rest
            lastLF = -1
            result.bytesKept = streamPos - rest
        }

        do {
            while true {
                if isCancelled() { throw Interrupted() }
                if !skipping && lastLF < 0 && len > maxLineBytes + 1 {
                    let marker = pool.take()
                    let n = min(FileChunker.excerptBytes, len)
                    memcpy(marker.base, chunk.base, n)
                    marker.count = n
                    marker.overlong = true
                    send(marker)
                    skipping = true
                    len = 0
                }
                let n = try reader.read(into: UnsafeMutableRawBufferPointer(start: chunk.base + len, count: cap - len))
                if n == 0 {
                    if skipping { result.bytesKept = streamPos; skipping = false; len = 0 }
                    if len > 0 { emitLines(through: len) }
                    result.bytesKept = streamPos
                    break
                }
                streamPos += n
                if skipping {
                    guard let p = memchr(chunk.base, 0x0A, n) else { continue }
                    let after = chunk.base.distance(to: p.assumingMemoryBound(to: UInt8.self)) + 1
                    memmove(chunk.base, chunk.base + after, n - after)
                    len = n - after
                    skipping = false
                    result.bytesKept = streamPos - len
                    lastLF = lastNewline(chunk.base, from: 0, to: len)
                } else {
                    let newFrom = len
                    len += n
                    let found = lastNewline(chunk.base, from: newFrom, to: len)
                    if found >= 0 { lastLF = found }
                }
                if !bomChecked && len >= 3 && seq == 0 {
                    bomChecked = true
                    if chunk.base[0] == 0xEF && chunk.base[1] == 0xBB && chunk.base[2] == 0xBF {
                        memmove(chunk.base, chunk.base + 3, len - 3)
                        len -= 3
                        if lastLF >= 0 { lastLF -= 3 }
                    }
                } else if len >= 3 {
                    bomChecked = true
                }
                if lastLF >= 0 && (len >= targetBytes || len == cap) {
                    emitLines(through: lastLF + 1)
                }
            }
        } catch let damage as CorruptInput {
            // The partial line cut by the damage is dropped (SPEC §3.5, salvage).
            if lastLF >= 0 && !skipping { emitLines(through: lastLF + 1) }
            result.corrupt = damage
        }
        return result
    }
}

/// Index of the last LF in base[from..<to], or -1.
@inline(__always)
func lastNewline(_ base: UnsafeMutablePointer<UInt8>, from: Int, to: Int) -> Int {
    var i = to - 1
    while i >= from {
        if base[i] == 0x0A { return i }
        i -= 1
    }
    return -1
}

public struct Interrupted: Error {}
