// An open-addressing hash table keyed by byte strings that live in one arena: no String or
import Foundation
// Array per key. Used for dossier ids (latest-wins) and for interning codes.

/// 64-bit hash of a byte string, eight bytes at a time.
@inline(__always)
func hashBytes(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
    var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(n)
    var i = 0
    let raw = UnsafeRawPointer(p)
    while i + 8 <= n {
        h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
        h ^= h >> 29
        i += 8
    }
    var tail: UInt64 = 0
    var shift: UInt64 = 0
    while i < n { tail |= UInt64(p[i]) << shift; shift += 8; i += 1 }
    h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
    h ^= h >> 32
    return h
}

public struct ByteKeyTable {
    private(set) var arena: [UInt8] = []
    private var keyStart: [Int] = []
    private var keyLength: [Int32] = []
    private var hashes: [UInt64] = []
    /// Entry index + 1 per slot; 0 is empty. Capacity is a power of two.
    private var slots: [Int32]
    private var mask: Int

    public init(capacity: Int = 1024) {
        var c = 16
        while c < capacity * 2 { c <<= 1 }
        slots = [Int32](repeating: 0, count: c)
        mask = c - 1
    }

    public var count: Int { keyStart.count }

    /// The entry index of the key, inserting it when new.
    @inline(__always)
    public mutating func findOrInsert(_ p: UnsafePointer<UInt8>, _ n: Int) -> (index: Int, inserted: Bool) {
        findOrInsert(p, n, hash: hashBytes(p, n))
    }

    public mutating func findOrInsert(_ p: UnsafePointer<UInt8>, _ n: Int, hash: UInt64) -> (index: Int, inserted: Bool) {
        var i = Int(truncatingIfNeeded: hash) & mask
        while true {
            let e = Int(slots[i])
            if e == 0 { break }
            let idx = e - 1
            if hashes[idx] == hash && Int(keyLength[idx]) == n {
                let same = arena.withUnsafeBufferPointer { memcmp($0.baseAddress! + keyStart[idx], p, n) == 0 }
                if same { return (idx, false) }
            }
            i = (i + 1) & mask
        }
        let idx = keyStart.count
        keyStart.append(arena.count)
        keyLength.append(Int32(n))
        hashes.append(hash)
        arena.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
        slots[i] = Int32(idx + 1)
        if keyStart.count * 2 > slots.count { grow() }
        return (idx, true)
    }

    public func hash(at index: Int) -> UInt64 { hashes[index] }

    /// Calls `body` with the bytes of entry `index`.
    public func withKey<R>(_ index: Int, _ body: (UnsafePointer<UInt8>, Int) -> R) -> R {
        arena.withUnsafeBufferPointer { body($0.baseAddress! + keyStart[index], Int(keyLength[index])) }
    }

    public func key(_ index: Int) -> String {
        withKey(index) { String(decoding: UnsafeBufferPointer(start: $0, count: $1), as: UTF8.self) }
    }

    private mutating func grow() {
        let c = slots.count * 2
        slots = [Int32](repeating: 0, count: c)
        mask = c - 1
        for idx in 0..<hashes.count {
            var i = Int(truncatingIfNeeded: hashes[idx]) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = Int32(idx + 1)
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
