// An open-addressing hash table keyed by byte strings that live in one arena: no String or
// Array per key. Used for interning codes (units, procedures, sectors, CSV labels); dossier
// ids have their own table (DossierTable), which keeps the state beside the id. Each slot packs
// 32 bits of the hash with the entry index, so a probe touches one cache line until a tag
// matches.
import MotcuaFoundation
import Foundation

/// 64-bit hash of a byte string, eight bytes at a time. The state between runs partitions
/// dossiers by it: a change is a new state format version.
@inline(__always)
package func hashBytes(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
    var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(n)
    var i = 0
    let raw = UnsafeRawPointer(p)
    while i + 8 <= n {
        h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
        h ^= h >> 29
        i += 8
    }
    // The last 1–7 bytes little-endian, read with whole loads inside p[0..<n] (no byte loop).
    let r = n - i
    var tail: UInt64 = 0
    if r > 0 {
        if n >= 8 {
            tail = raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self) >> UInt64(64 - 8 * r)
        } else if r >= 4 {
            tail = UInt64(raw.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
                | (UInt64(raw.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)) >> UInt64(64 - 8 * r)) << 32
        } else {
            tail = UInt64(p[0]) | (r > 1 ? UInt64(p[1]) << 8 : 0) | (r > 2 ? UInt64(p[2]) << 16 : 0)
        }
    }
    h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
    h ^= h >> 32
    return h
}

/// A key of at most `ShortKey.limit` bytes as four words, read with whole loads inside
/// p[0..<n] (overlapping when n is not a multiple of 8): two keys of the same length are equal
/// exactly when their words are, so a short key compares in registers, without memcmp.
@frozen package struct ShortKey: Equatable {
    package static let limit = 32
    package var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0
    package var count = -1   // -1: no key (never equal to a real one)

    package init() {}

    /// The key of p[0..<n]; n must be 0...limit.
    @inline(__always)
    package init(_ p: UnsafePointer<UInt8>, _ n: Int) {
        let raw = UnsafeRawPointer(p)
        count = n
        if n >= 16 {
            // Bytes 0..<16 and n-16..<n.
            w0 = raw.loadUnaligned(as: UInt64.self)
            w1 = raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
            w2 = raw.loadUnaligned(fromByteOffset: n - 16, as: UInt64.self)
            w3 = raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        } else if n >= 8 {
            w0 = raw.loadUnaligned(as: UInt64.self)
            w1 = raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        } else if n >= 4 {
            w0 = UInt64(raw.loadUnaligned(as: UInt32.self)) | UInt64(raw.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)) << 32
        } else if n > 0 {
            w0 = UInt64(p[0]) | UInt64(p[n >> 1]) << 8 | UInt64(p[n - 1]) << 16
        }
    }
}

public struct ByteKeyTable {
    package private(set) var arena: [UInt8] = []
    /// Per entry: where its key starts in the arena, its length, and — for a key of at most
    /// `inlineBytes` (codes: units, procedures, sectors, labels) — its ShortKey words w0, w1,
    /// compared instead of the arena's bytes. Longer keys (ids) compare in the arena, as
    /// before: their entries stay one array access plus one memcmp.
    private var keys: [(start: Int, length: Int32, w0: UInt64, w1: UInt64)] = []
    /// Keys up to here compare inline (ShortKey's w0 and w1 hold every byte of them).
    package static let inlineBytes = 16
    private var hashes: [UInt64] = []
    /// Per slot: high 32 bits = hash tag, low 32 bits = entry index + 1 (0 = empty).
    private var slots: [UInt64]
    private var mask: Int

    public init(capacity: Int = 1024) {
        var c = 16
        while c < capacity * 2 { c <<= 1 }
        slots = [UInt64](repeating: 0, count: c)
        mask = c - 1
    }

    public var count: Int { keys.count }

    /// The entry index of the key, inserting it when new.
    @inline(__always)
    public mutating func findOrInsert(_ p: UnsafePointer<UInt8>, _ n: Int) -> (index: Int, inserted: Bool) {
        findOrInsert(p, n, hash: hashBytes(p, n))
    }

    public mutating func findOrInsert(_ p: UnsafePointer<UInt8>, _ n: Int, hash: UInt64) -> (index: Int, inserted: Bool) {
        let tag = hash & 0xFFFF_FFFF_0000_0000
        var i = Int(truncatingIfNeeded: hash) & mask
        let short = n <= Self.inlineBytes ? ShortKey(p, n) : ShortKey()
        let found: Int? = slots.withUnsafeBufferPointer { s in
            while true {
                let slot = s[i]
                if slot == 0 { return nil }
                if slot & 0xFFFF_FFFF_0000_0000 == tag {
                    let idx = Int(slot & 0xFFFF_FFFF) - 1
                    let k = keys[idx]
                    if n <= Self.inlineBytes {
                        if Int(k.length) == n && k.w0 == short.w0 && k.w1 == short.w1 { return idx }
                    } else {
                        if Int(k.length) == n && arena.withUnsafeBufferPointer({ memcmp($0.baseAddress! + k.start, p, n) == 0 }) {
                            return idx
                        }
                    }
                }
                i = (i + 1) & mask
            }
        }
        if let idx = found { return (idx, false) }
        let idx = keys.count
        keys.append((arena.count, Int32(n), short.w0, short.w1))
        hashes.append(hash)
        arena.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
        slots[i] = tag | UInt64(idx + 1)
        if keys.count * 2 > slots.count { grow() }
        return (idx, true)
    }

    public func hash(at index: Int) -> UInt64 { hashes[index] }

    /// Calls `body` with the bytes of entry `index`.
    public func withKey<R>(_ index: Int, _ body: (UnsafePointer<UInt8>, Int) -> R) -> R {
        let k = keys[index]
        return arena.withUnsafeBufferPointer { body($0.baseAddress! + k.start, Int(k.length)) }
    }

    public func key(_ index: Int) -> String {
        withKey(index) { String(decoding: UnsafeBufferPointer(start: $0, count: $1), as: UTF8.self) }
    }

    private mutating func grow() {
        let c = slots.count * 2
        slots = [UInt64](repeating: 0, count: c)
        mask = c - 1
        for idx in 0..<hashes.count {
            let h = hashes[idx]
            var i = Int(truncatingIfNeeded: h) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = (h & 0xFFFF_FFFF_0000_0000) | UInt64(idx + 1)
        }
    }
}

/// Interns short codes (units, procedures, sectors) to dense ids.
public struct Interner {
    var table = ByteKeyTable(capacity: 64)
    public init() {}
    @inline(__always)
    public mutating func id(_ t: ByteText) -> Int32 {
        guard let p = t.base, t.count > 0 else { return -1 }
        return Int32(table.findOrInsert(p, t.count).index)
    }
    public var count: Int { table.count }
    public func string(_ id: Int32) -> String { table.key(Int(id)) }
}
