// The byte buffer records are built in by `motcua generate` (reused for a whole file, flushed
// to the writer in slices), and `GenText`: a text pre-encoded once for every place it goes —
// JSON as UTF-8, JSON with \u escapes (ensure-ASCII exporters), and a CSV cell body.
import MotcuaFoundation

final class ByteSink {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    private func grow(_ need: Int) {
        var c = capacity * 2
        while c < need { c *= 2 }
        let nb = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        nb.update(from: base, count: count)
        base.deallocate()
        base = nb
        capacity = c
    }

    @inline(__always) func byte(_ b: UInt8) {
        if count == capacity { grow(count + 1) }
        base[count] = b
        count += 1
    }

    @inline(__always) func bytes(_ p: UnsafePointer<UInt8>, _ n: Int) {
        if count + n > capacity { grow(count + n) }
        (base + count).update(from: p, count: n)
        count += n
    }

    @inline(__always) func bytes(_ a: [UInt8]) {
        a.withUnsafeBufferPointer { if let p = $0.baseAddress { bytes(p, $0.count) } }
    }

    @inline(__always) func text(_ s: StaticString) { bytes(s.utf8Start, s.utf8CodeUnitCount) }

    /// A non-negative or negative integer in decimal.
    func int(_ v: Int) {
        if v < 0 { byte(0x2D); int(-v); return }
        if v < 10 { byte(0x30 + UInt8(v)); return }
        var tmp: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var n = 0, x = v
        withUnsafeMutableBytes(of: &tmp) { buf in
            while x > 0 { buf[23 - n] = 0x30 + UInt8(x % 10); x /= 10; n += 1 }
            bytes(buf.baseAddress!.assumingMemoryBound(to: UInt8.self) + 24 - n, n)
        }
    }

    /// `v` with leading zeros to `width` digits (more digits when it needs them).
    func padded(_ v: Int, _ width: Int) {
        var digits = 1, x = v
        while x >= 10 { x /= 10; digits += 1 }
        for _ in digits..<max(width, digits) { byte(0x30) }
        int(v)
    }

    /// Drops everything after `n` bytes.
    func truncate(_ n: Int) { count = min(count, n) }
}

/// A text ready to be written anywhere a record puts it.
struct GenText: Sendable {
    let plain: String
    let json: [UInt8]       // inside a JSON string, UTF-8 (ensure_ascii off)
    let jsonASCII: [UInt8]  // inside a JSON string, every non-ASCII character as \uXXXX
    let csv: [UInt8]        // inside a quoted CSV cell ("" for ")

    init(_ s: String) {
        plain = s
        var j: [UInt8] = [], a: [UInt8] = [], c: [UInt8] = []
        let hex = Array("0123456789abcdef".utf8)
        func u4(_ v: UInt32, _ out: inout [UInt8]) {
            out += [0x5C, 0x75, hex[Int(v >> 12 & 15)], hex[Int(v >> 8 & 15)], hex[Int(v >> 4 & 15)], hex[Int(v & 15)]]
        }
        for scalar in s.unicodeScalars {
            let v = scalar.value
            var esc: [UInt8]? = nil
            switch v {
            case 0x22: esc = [0x5C, 0x22]
            case 0x5C: esc = [0x5C, 0x5C]
            case 0x0A: esc = [0x5C, 0x6E]
            case 0x0D: esc = [0x5C, 0x72]
            case 0x09: esc = [0x5C, 0x74]
            case 0..<0x20: var e: [UInt8] = []; u4(v, &e); esc = e
            default: break
            }
            let utf8 = Array(String(scalar).utf8)
            if let esc { j += esc; a += esc } else {
                j += utf8
                if v < 0x80 { a += utf8 } else if v < 0x10000 { u4(v, &a) } else {
                    let w = v - 0x10000
                    u4(0xD800 + (w >> 10), &a); u4(0xDC00 + (w & 0x3FF), &a)
                }
            }
            if v == 0x22 { c += [0x22, 0x22] } else { c += utf8 }
        }
        json = j; jsonASCII = a; csv = c
    }
}

extension ByteSink {
    @inline(__always) func json(_ t: GenText, ascii: Bool) { bytes(ascii ? t.jsonASCII : t.json) }
}
