// Where records end (SPEC §2.1, §2.3): at every LF for NDJSON; for CSV at an LF outside
// quotes, found with a small state machine that carries across reads, so that a chunk is
// never cut inside a quoted field. A quote opens a quoted field only as a field's first byte.
// `lastBoundary` runs the machine 64 bytes at a time in CByteKernels; `firstBoundary` byte by
// byte here, the reference the kernel is tested against.
import MotcuaFoundation
import CByteKernels

/// Where a format's records end: at every LF, or at an LF outside CSV quotes.
package enum FramingRule: Sendable { case lines, csv(delimiter: UInt8) }

struct RecordFraming {
    let mode: FramingRule
    private let delimiter: UInt8
    private let isCSV: Bool

    /// The raw values are those of `motcua_csv_last_boundary`'s state.
    enum State: CInt { case fieldStart = 0, unquoted = 1, quoted = 2, quoteInQuoted = 3 }
    private(set) var state = State.fieldStart
    /// Which kernel `lastBoundary` runs (`MOTCUA_CSV_*`), or -1 for the best this CPU has.
    private let kernel: Int32

    init(mode: FramingRule, kernel: Int32 = -1) {
        self.kernel = kernel
        self.mode = mode
        if case .csv(let d) = mode { delimiter = d; isCSV = true } else { delimiter = 0x0A; isCSV = false }
    }

    /// Feeds one byte; true when it is the LF that ends a record.
    @inline(__always)
    private mutating func step(_ b: UInt8) -> Bool {
        guard isCSV else { return b == 0x0A }
        switch state {
        case .fieldStart:
            if b == 0x22 { state = .quoted } else if b == 0x0A { return true } else if b != delimiter { state = .unquoted }
        case .unquoted:
            if b == delimiter { state = .fieldStart } else if b == 0x0A { state = .fieldStart; return true }
        case .quoted:
            if b == 0x22 { state = .quoteInQuoted }
        case .quoteInQuoted:
            if b == 0x22 {
                state = .quoted
            } else if b == delimiter {
                state = .fieldStart
            } else if b == 0x0A {
                state = .fieldStart
                return true
            } else {
                state = .unquoted
            }
        }
        return false
    }

    /// Continues over base[from..<to]; returns the index of the last record-ending LF in that
    /// range, or -1.
    mutating func lastBoundary(_ base: UnsafeMutablePointer<UInt8>, from: Int, to: Int) -> Int {
        if !isCSV {
            var i = to - 1
            while i >= from {
                if base[i] == 0x0A { return i }
                i -= 1
            }
            return -1
        }
        guard delimiter != 0 else {
            // The kernel pads its last block with NULs: this delimiter (pathological) goes byte by byte.
            var last = -1
            for i in from..<max(from, to) where step(base[i]) { last = i }
            return last
        }
        // 64 bytes at a time (CByteKernels' csv_index.c), the state carried in and out.
        guard from < to else { return -1 }
        var s = state.rawValue
        let last = kernel < 0 ? motcua_csv_last_boundary(base + from, to - from, delimiter, &s)
                              : motcua_csv_last_boundary_with(kernel, base + from, to - from, delimiter, &s)
        state = State(rawValue: s)!
        return last < 0 ? -1 : from + last
    }

    /// Continues over base[from..<to] until the first record-ending LF; returns its index or -1.
    /// Adds the LFs passed (that one included) to `lines`.
    mutating func firstBoundary(_ base: UnsafeMutablePointer<UInt8>, from: Int, to: Int, lines: inout Int) -> Int {
        for i in from..<max(from, to) {
            let b = base[i]
            if b == 0x0A { lines += 1 }
            if step(b) { return i }
        }
        return -1
    }
}

/// Index of the first byte in base[from..<to] equal to `a`, `b` or `c` (or `to`), by the
/// SSE2 kernel of CByteKernels.
@inline(__always)
func firstOf(_ base: UnsafePointer<UInt8>, from: Int, to: Int, _ a: UInt8, _ b: UInt8, _ c: UInt8? = nil) -> Int {
    guard from < to else { return to }
    return from + motcua_first_of3(base + from, to - from, a, b, c ?? b)
}
