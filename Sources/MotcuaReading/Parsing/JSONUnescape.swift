// JSON string unescaping into a caller's buffer (output is never longer than input).
// Surrogate pairs combine; an unpaired surrogate becomes U+FFFD (SPEC §2.2).
import MotcuaFoundation

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
