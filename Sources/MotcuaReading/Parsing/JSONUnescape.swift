// JSON string unescaping into a caller's buffer (output is never longer than input).
// Surrogate pairs combine; an unpaired surrogate becomes U+FFFD (SPEC §2.2).
import MotcuaFoundation
import Foundation

/// Unescapes the validated string body `src[0..<count]` into `dst`; returns the length.
func unescapeJSONString(_ src: UnsafePointer<UInt8>, _ count: Int, into dst: UnsafeMutablePointer<UInt8>) -> Int {
    var i = 0, o = 0
    while i < count {
        let b = src[i]
        if b != UInt8(ascii: "\\") { dst[o] = b; o += 1; i += 1; continue }
        let e = src[i + 1]
        i += 2
        switch e {
        case UInt8(ascii: "b"): dst[o] = 0x08; o += 1
        case UInt8(ascii: "f"): dst[o] = 0x0C; o += 1
        case UInt8(ascii: "n"): dst[o] = 0x0A; o += 1
        case UInt8(ascii: "r"): dst[o] = 0x0D; o += 1
        case UInt8(ascii: "t"): dst[o] = 0x09; o += 1
        case UInt8(ascii: "u"):
            var cp = hex4(src + i)
            i += 4
            if cp >= 0xD800 && cp <= 0xDBFF {
                if i + 6 <= count && src[i] == UInt8(ascii: "\\") && src[i + 1] == UInt8(ascii: "u") {
                    let lo = hex4(src + i + 2)
                    if lo >= 0xDC00 && lo <= 0xDFFF {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                        i += 6
                    } else {
                        cp = 0xFFFD
                    }
                } else {
                    cp = 0xFFFD
                }
            } else if cp >= 0xDC00 && cp <= 0xDFFF {
                cp = 0xFFFD
            }
            o += encodeUTF8(cp, dst + o)
        default: dst[o] = e; o += 1   // \" \\ \/
        }
    }
    return o
}

@inline(__always) private func hexValue(_ b: UInt8) -> UInt32 {
    isDigit(b) ? UInt32(b &- 0x30) : UInt32((b | 0x20) &- UInt8(ascii: "a")) + 10
}

@inline(__always) private func hex4(_ p: UnsafePointer<UInt8>) -> UInt32 {
    hexValue(p[0]) << 12 | hexValue(p[1]) << 8 | hexValue(p[2]) << 4 | hexValue(p[3])
}

@inline(__always) func encodeUTF8(_ cp: UInt32, _ out: UnsafeMutablePointer<UInt8>) -> Int {
    if cp < 0x80 { out[0] = UInt8(cp); return 1 }
    if cp < 0x800 {
        out[0] = UInt8(0xC0 | (cp >> 6)); out[1] = UInt8(0x80 | (cp & 0x3F)); return 2
    }
    if cp < 0x10000 {
        out[0] = UInt8(0xE0 | (cp >> 12)); out[1] = UInt8(0x80 | ((cp >> 6) & 0x3F))
        out[2] = UInt8(0x80 | (cp & 0x3F)); return 3
    }
    out[0] = UInt8(0xF0 | (cp >> 18)); out[1] = UInt8(0x80 | ((cp >> 12) & 0x3F))
    out[2] = UInt8(0x80 | ((cp >> 6) & 0x3F)); out[3] = UInt8(0x80 | (cp & 0x3F)); return 4
}

/// Object keys with escapes, unescaped into one reused buffer before they are compared: the
/// key lookup both JSON scanners share (a key without escapes is compared where it lies).
struct EscapedKeys {
    private var scratch = [UInt8](repeating: 0, count: 64)

    /// The field `names` gives the key body `base[s..<e]`.
    @inline(__always)
    mutating func field(_ base: UnsafePointer<UInt8>, _ s: Int, _ e: Int, escaped: Bool, in names: FieldNameMatcher) -> Int {
        guard escaped else { return names.field(base + s, e - s) }
        let n = unescape(base, s, e)
        return scratch.withUnsafeBufferPointer { names.field($0.baseAddress!, n) }
    }

    /// Whether the key body `base[s..<e]` is `name`.
    mutating func equals(_ base: UnsafePointer<UInt8>, _ s: Int, _ e: Int, escaped: Bool, _ name: StaticString) -> Bool {
        guard escaped else { return e - s == name.utf8CodeUnitCount && memcmp(base + s, name.utf8Start, e - s) == 0 }
        let n = unescape(base, s, e)
        return n == name.utf8CodeUnitCount && scratch.withUnsafeBufferPointer { memcmp($0.baseAddress!, name.utf8Start, n) == 0 }
    }

    private mutating func unescape(_ base: UnsafePointer<UInt8>, _ s: Int, _ e: Int) -> Int {
        if scratch.count < e - s { scratch = [UInt8](repeating: 0, count: e - s) }
        return scratch.withUnsafeMutableBufferPointer { unescapeJSONString(base + s, e - s, into: $0.baseAddress!) }
    }
}
