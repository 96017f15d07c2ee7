// Where records end (SPEC §2.1, §2.3): at every LF for NDJSON; for CSV at an LF outside
// quotes, found with a small state machine that carries across reads, so that a chunk is
// never cut inside a quoted field. A quote opens a quoted field only as a field's first byte.
import MotcuaFoundation
import CByteKernels

/// Where a format's records end: at every LF, or at an LF outside CSV quotes.
package enum FramingRule: Sendable { case lines, csv(delimiter: UInt8) }

struct RecordFraming {
    let mode: FramingRule
    private let delimiter: UInt8
    private let isCSV: Bool

    private enum State { case fieldStart, unquoted, quoted, quoteInQuoted }
    private var state = State.fieldStart

    init(mode: FramingRule) {
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
        // Only quotes change how LFs count, so the scan jumps from quote to quote: in a run
        // without quotes every LF ends a record and the state after it depends on the last
        // byte alone (a delimiter or LF leaves a field start, anything else an unquoted field).
        var last = -1
        var i = from
        while i < to {
            switch state {
            case .quoted:
                let q = firstOf(base, from: i, to: to, 0x22, 0x22)
                if q == to { return last }
                state = .quoteInQuoted
                i = q + 1
            case .quoteInQuoted:
                if step(base[i]) { last = i }
                i += 1
            case .fieldStart, .unquoted:
                let q = firstOf(base, from: i, to: to, 0x22, 0x22)
                if q > i {
                    let lf = motcua_last_of(base + i, q - i, 0x0A)
                    if lf >= 0 { last = i + lf }
                    let b = base[q - 1]
                    state = b == delimiter || b == 0x0A ? .fieldStart : .unquoted
                }
                if q == to { return last }
                state = state == .fieldStart ? .quoted : .unquoted
                i = q + 1
            }
        }
        return last
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
