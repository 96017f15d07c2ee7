// RFC 4180 on raw bytes (SPEC §2.3): splits one record into cells — quotes removed, `""`
// unescaped, cells trimmed — and says where the record ends. A quote opens a quoted field
// only as the field's first byte; text after a closing quote and a quote left open at the
// end of the input make the record malformed (framing still ends it where it would have).
// Plain records (every quote opens or closes a field) are split 64 bytes at a time by
// CByteKernels' `motcua_csv_split`; the rest by `splitReference`, byte by byte, which is what
// the kernel is tested against.
import MotcuaFoundation
import Foundation
import CByteKernels

struct CSVRecord {
    /// Index after the record's terminator (or the end of the input).
    var next = 0
    /// Bytes of the record without its LF/CRLF terminator.
    var byteCount = 0
    /// LFs consumed, the terminator included.
    var lineFeeds = 0
    var malformed = false
    var cellCount = 0
    /// Whether the record's bytes are UTF-8 (isValidUTF8), when the kernel checked them on the
    /// way (AVX2); nil when the caller must.
    var validUTF8: Bool? = nil
}

final class CSVRecordSplitter {
    let delimiter: UInt8
    /// Whether the kernel can take this delimiter (it cannot be a quote, LF, CR or NUL).
    private let vectorSplit: Bool
    /// Which kernel (`MOTCUA_CSV_*`), or -1 for the best this CPU has.
    private let kernel: Int32
    /// `MOTCUA_CSV_SPLIT=reference` splits every record with the reference (the same results;
    /// for comparing the two in one binary).
    static let useReference = ProcessInfo.processInfo.environment["MOTCUA_CSV_SPLIT"] == "reference"
    // Exclusivity unchecked at run time (the hot path): one thread owns this object at a time.
    /// Cell spans into the output buffer (`cellCount` of them), reused across records; raw
    /// storage, so recording a cell costs two stores. 8 entries of slack: the kernel writes
    /// delimiters' offsets eight at a time.
    @exclusivity(unchecked) package private(set) var starts: UnsafeMutablePointer<Int>
    @exclusivity(unchecked) package private(set) var ends: UnsafeMutablePointer<Int>
    @exclusivity(unchecked) package private(set) var cellCount = 0
    @exclusivity(unchecked) private var capacity = 64
    /// What the spans index: the record's own bytes when the kernel split it (its cells need no
    /// unescaping), else the output buffer.
    @exclusivity(unchecked) package private(set) var cells: UnsafePointer<UInt8>

    init(delimiter: UInt8, kernel: Int32 = -1) {
        self.delimiter = delimiter
        self.kernel = kernel
        vectorSplit = delimiter != 0x22 && delimiter != 0x0A && delimiter != 0x0D && delimiter != 0 && !Self.useReference
        starts = .allocate(capacity: capacity + 8)
        ends = .allocate(capacity: capacity + 8)
        cells = UnsafeRawPointer(starts).assumingMemoryBound(to: UInt8.self)   // no cells before the first split
    }
    deinit {
        starts.deallocate()
        ends.deallocate()
    }

    /// Whether kernel `k` (`MOTCUA_CSV_*`: 0 scalar, 1 SSE2, 2 AVX2) runs on this CPU.
    package static func hasKernel(_ k: Int32) -> Bool {
        var r = motcua_csv_record()
        var s = [Int](repeating: 0, count: 9), e = s
        return motcua_csv_split_with(k, "\n", 1, 0x2C, &s, &e, 1, &r) != -2
    }

    /// Whether the kernel splits the record at base[from..<to] itself (tests; overwrites the cells).
    package func kernelTakes(_ base: UnsafePointer<UInt8>, from: Int, to: Int) -> Bool {
        var r = motcua_csv_record()
        return vectorSplit && from < to && (kernel < 0 ? motcua_csv_split(base + from, to - from, delimiter, starts, ends, capacity, &r)
            : motcua_csv_split_with(kernel, base + from, to - from, delimiter, starts, ends, capacity, &r)) == 1
    }

    /// Records a cell out[s..<e], trimmed (SPEC §3.5).
    @inline(__always)
    private func finishCell(_ out: UnsafeMutablePointer<UInt8>, _ s0: Int, _ e0: Int) {
        var s = s0, e = e0
        while s < e && isTrimmable(out[s]) { s += 1 }
        while e > s && isTrimmable(out[e - 1]) { e -= 1 }
        if cellCount == capacity { grow() }
        starts[cellCount] = s
        ends[cellCount] = e
        cellCount += 1
    }

    private func grow() {
        let bigger = capacity * 2
        let s = UnsafeMutablePointer<Int>.allocate(capacity: bigger + 8), e = UnsafeMutablePointer<Int>.allocate(capacity: bigger + 8)
        s.update(from: starts, count: cellCount)
        e.update(from: ends, count: cellCount)
        starts.deallocate()
        ends.deallocate()
        (starts, ends, capacity) = (s, e, bigger)
    }

    /// Parses the record at base[from..<to]; its cells are `cells[starts[k]..<ends[k]]`, in the
    /// record itself or in `out` (at least to - from bytes), valid while both are.
    func split(_ base: UnsafePointer<UInt8>, from: Int, to: Int, into out: UnsafeMutablePointer<UInt8>) -> CSVRecord {
        if vectorSplit && from < to {
            var k = motcua_csv_record()
            let done = kernel < 0 ? motcua_csv_split(base + from, to - from, delimiter, starts, ends, capacity, &k)
                                  : motcua_csv_split_with(kernel, base + from, to - from, delimiter, starts, ends, capacity, &k)
            if done == 1 {
                // A plain record's cells are its own bytes between quotes: no copy.
                cells = base + from
                cellCount = k.cell_count
                return CSVRecord(next: from + k.next, byteCount: k.byte_count, lineFeeds: k.line_feeds, malformed: false,
                                 cellCount: k.cell_count, validUTF8: k.utf8 < 0 ? nil : k.utf8 == 1)
            }
        }
        return splitReference(base, from: from, to: to, into: out)
    }

    /// `split` byte by byte, for every record: the reference the kernel is tested against.
    func splitReference(_ base: UnsafePointer<UInt8>, from: Int, to: Int, into out: UnsafeMutablePointer<UInt8>) -> CSVRecord {
        var r = CSVRecord()
        cells = UnsafePointer(out)
        cellCount = 0
        var o = 0
        var i = from
        var cellStart = 0
        var quoted = false        // inside a quoted field
        var closed = false        // after the closing quote of this field
        var atFieldStart = true
        var end = to              // end of the record's bytes (before the terminator)
        scan: while i < to {
            if quoted {
                // Copy up to the next quote (or LF, counted below) in one go.
                let q = firstOf(base, from: i, to: to, 0x22, 0x0A)
                if q > i {
                    (out + o).update(from: base + i, count: q - i)
                    o += q - i
                    i = q
                    if i == to { break }
                }
            } else if !atFieldStart && !closed {
                // Copy up to the next delimiter, LF or CR in one go.
                let e = firstOf(base, from: i, to: to, delimiter, 0x0A, 0x0D)
                if e > i {
                    (out + o).update(from: base + i, count: e - i)
                    o += e - i
                    i = e
                    if i == to { break }
                }
            }
            let b = base[i]
            if quoted {
                if b == 0x22 {
                    if i + 1 < to && base[i + 1] == 0x22 { out[o] = 0x22; o += 1; i += 2; continue }
                    quoted = false
                    closed = true
                } else {
                    if b == 0x0A { r.lineFeeds += 1 }
                    out[o] = b
                    o += 1
                }
                i += 1
                continue
            }
            switch b {
            case 0x0A:
                r.lineFeeds += 1
                end = i
                i += 1
                break scan
            case 0x0D where i + 1 < to && base[i + 1] == 0x0A:
                r.lineFeeds += 1
                end = i
                i += 2
                break scan
            case delimiter:
                finishCell(out, cellStart, o)
                cellStart = o
                atFieldStart = true
                closed = false
                i += 1
                continue
            case 0x22 where atFieldStart:
                quoted = true
            default:
                if closed { r.malformed = true }   // text after a closing quote
                out[o] = b
                o += 1
            }
            atFieldStart = false
            i += 1
        }
        if quoted { r.malformed = true }           // a quote left open at the end
        finishCell(out, cellStart, o)
        r.next = i
        r.byteCount = end - from
        r.cellCount = cellCount
        return r
    }
}
