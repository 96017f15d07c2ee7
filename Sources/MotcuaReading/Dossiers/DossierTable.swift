// Latest state per dossier id (SPEC §3.2) in one open-addressing table whose entries live
// in one arena: [state][hash][id length][id bytes]. A lookup touches the slot and then one
// contiguous entry, not separate key, index and state arrays; nothing is allocated per id.
// A merge drops entries in place (a flag in the length) rather than moving them.
import MotcuaFoundation
import CByteKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct DossierTable {
    private var slots: UnsafeMutablePointer<UInt64>
    private var mask: Int
    private var arena: UnsafeMutableRawPointer
    private var arenaCapacity: Int
    package private(set) var arenaUsed = 0
    package private(set) var count = 0

    // Slot: high 24 bits = hash tag, low 40 bits = entry offset / 8 + 1 (0 = empty).
    private static let tagMask: UInt64 = 0xFFFF_FF00_0000_0000
    private static let offsetMask: UInt64 = 0x0000_00FF_FFFF_FFFF
    private static let stateBytes = MemoryLayout<DossierState>.stride
    private static let hashOffset = (stateBytes + 7) & ~7
    private static let keyOffset = hashOffset + 12   // hash (8), id length (4)
    private static let droppedBit: UInt32 = 1 << 31

    init(capacity: Int = 1024) {
        var c = 16
        while c < capacity * 2 { c <<= 1 }
        slots = .allocate(capacity: c)
        slots.initialize(repeating: 0, count: c)
        mask = c - 1
        arenaCapacity = max(4096, capacity * 96)
        arena = DossierTable.allocateArena(arenaCapacity)
    }

    /// Makes room for `more` entries with `idBytes` id bytes in all, so that loading them grows
    /// neither the slots nor the arena (each growth copies the arena or rehashes every slot).
    mutating func reserve(_ more: Int, idBytes: Int) {
        let arenaNeeded = arenaUsed + more * (DossierTable.keyOffset + 7) + idBytes
        if arenaNeeded > arenaCapacity { growArena(arenaNeeded) }
        var c = mask + 1
        while (count + more) * 2 > c { c <<= 1 }
        if c > mask + 1 { growSlots(to: c) }
    }

    /// Frees the memory; the table must not be used afterwards.
    func deallocate() {
        slots.deallocate()
        free(arena)
    }

    /// Starts loading the slot a lookup of `hash` probes first.
    @inline(__always)
    func prefetchSlot(_ hash: UInt64) {
        motcua_prefetch(slots + (Int(truncatingIfNeeded: hash) & mask))
    }

    /// Starts loading the entry that slot points to (call once the slot is in cache), for an id
    /// of `n` bytes: every cache line of it — an entry (~96 bytes, 8-byte aligned) spans two or
    /// three, and the probe reads the id's length and bytes at its end, past the first line.
    @inline(__always)
    func prefetchEntry(_ hash: UInt64, idBytes n: Int) {
        let slot = slots[Int(truncatingIfNeeded: hash) & mask]
        if slot & DossierTable.tagMask == hash & DossierTable.tagMask && slot != 0 {
            let entry = arena + Int((slot & DossierTable.offsetMask) - 1) << 3
            motcua_prefetch(entry)
            motcua_prefetch(entry + DossierTable.hashOffset + 8)
            motcua_prefetch(entry + DossierTable.keyOffset + max(n, 1) - 1)
        }
    }

    /// Keeps `state` for the id unless the table holds a later one (by input position); either
    /// way the versions' aggregates take it in (`DossierState.absorb`).
    @inline(__always)
    mutating func keep(_ p: UnsafePointer<UInt8>, _ n: Int, hash: UInt64, _ state: DossierState) {
        let (i, found) = probe(p, n, hash: hash)
        if let entry = found {
            entry.assumingMemoryBound(to: DossierState.self).pointee.absorb(state)
            return
        }
        let size = (DossierTable.keyOffset + n + 7) & ~7
        if arenaUsed + size > arenaCapacity { growArena(arenaUsed + size) }
        let entry = arena + arenaUsed
        entry.initializeMemory(as: DossierState.self, repeating: state, count: 1)
        entry.storeBytes(of: hash, toByteOffset: DossierTable.hashOffset, as: UInt64.self)
        entry.storeBytes(of: UInt32(n), toByteOffset: DossierTable.hashOffset + 8, as: UInt32.self)
        (entry + DossierTable.keyOffset).copyMemory(from: p, byteCount: n)
        slots[i] = (hash & DossierTable.tagMask) | UInt64(arenaUsed >> 3 + 1)
        arenaUsed += size
        count += 1
        if count * 2 > mask + 1 { growSlots(to: (mask + 1) * 2) }
    }

    /// Calls `body` with every live entry's state, id bytes and hash, in insertion order.
    @inline(__always)
    func forEach(_ body: (DossierState, UnsafePointer<UInt8>, Int, UInt64) -> Void) {
        var o = 0
        while o < arenaUsed {
            let entry = arena + o
            let n = entry.load(fromByteOffset: DossierTable.hashOffset + 8, as: UInt32.self)
            if n & DossierTable.droppedBit == 0 {
                body(entry.load(as: DossierState.self), (entry + DossierTable.keyOffset).assumingMemoryBound(to: UInt8.self),
                     Int(n), hash(at: o))
            }
            o = next(after: o)
        }
    }

    /// The state kept for an id, if any (a pointer into the arena: valid until the next `keep`).
    @inline(__always)
    func find(_ p: UnsafePointer<UInt8>, _ n: Int, hash: UInt64) -> UnsafeMutablePointer<DossierState>? {
        probe(p, n, hash: hash).entry?.assumingMemoryBound(to: DossierState.self)
    }

    /// The entry holding the id, or else the empty slot where it would go. Dropped entries
    /// never match (their length has the dropped bit).
    @inline(__always)
    private func probe(_ p: UnsafePointer<UInt8>, _ n: Int, hash: UInt64) -> (slot: Int, entry: UnsafeMutableRawPointer?) {
        let tag = hash & DossierTable.tagMask
        var i = Int(truncatingIfNeeded: hash) & mask
        while true {
            let slot = slots[i]
            if slot == 0 { return (i, nil) }
            if slot & DossierTable.tagMask == tag {
                let entry = arena + Int((slot & DossierTable.offsetMask) - 1) << 3
                if entry.load(fromByteOffset: DossierTable.hashOffset + 8, as: UInt32.self) == UInt32(n)
                    && bytesEqual(entry + DossierTable.keyOffset, p, n) {
                    return (i, entry)
                }
            }
            i = (i + 1) & mask
        }
    }

    /// The merge of tables without moving entries: every state here goes through `map`; an id
    /// that `earlier` (tables merged before this one) already hold is folded into the state
    /// there (`absorb`: the later version wins, the versions' aggregates combine) and dropped
    /// here. Afterwards no id is live in two tables. Lookups are prefetched eight entries
    /// ahead: a merge is bound by cache misses, not by work.
    mutating func dropKnown(in earlier: [DossierTable], _ map: (DossierState) -> DossierState) {
        guard let first = earlier.first else { return }
        var ahead = 0, o = 0
        for _ in 0..<8 where ahead < arenaUsed {
            first.prefetchSlot(hash(at: ahead))
            ahead = next(after: ahead)
        }
        while o < arenaUsed {
            if ahead < arenaUsed {
                first.prefetchSlot(hash(at: ahead))
                ahead = next(after: ahead)
            }
            let entry = arena + o
            let n = Int(entry.load(fromByteOffset: DossierTable.hashOffset + 8, as: UInt32.self))
            let state = entry.assumingMemoryBound(to: DossierState.self)
            state.pointee = map(state.pointee)
            let id = (entry + DossierTable.keyOffset).assumingMemoryBound(to: UInt8.self)
            for table in earlier {
                guard let known = table.find(id, n, hash: hash(at: o)) else { continue }
                known.pointee.absorb(state.pointee)
                // Dropped: a length with the top bit set matches no lookup and `forEach` skips it.
                entry.storeBytes(of: UInt32(n) | DossierTable.droppedBit, toByteOffset: DossierTable.hashOffset + 8, as: UInt32.self)
                count -= 1
                break
            }
            o = next(after: o)
        }
    }

    @inline(__always) private func hash(at o: Int) -> UInt64 {
        arena.load(fromByteOffset: o + DossierTable.hashOffset, as: UInt64.self)
    }

    @inline(__always) private func next(after o: Int) -> Int {
        let n = Int(arena.load(fromByteOffset: o + DossierTable.hashOffset + 8, as: UInt32.self) & ~DossierTable.droppedBit)
        return o + (DossierTable.keyOffset + n + 7) & ~7
    }

    private mutating func growArena(_ needed: Int) {
        var c = arenaCapacity * 2
        while c < needed { c *= 2 }
        if needed > arenaCapacity * 2 { c = needed }   // an exact reserve: no doubling past it
        // realloc, not a new block and a copy: a big arena is a mapping of its own that the
        // C library grows by remapping its pages (no copy, no page faults for the used part).
        guard let bigger = realloc(arena, c) else { fatalError("out of memory growing the dossier table to \(c) bytes") }
        arena = bigger
        arenaCapacity = c
    }

    /// The arena's memory: malloc's, so that it can grow by realloc (8-byte aligned, as the
    /// entries need: malloc aligns to 16).
    private static func allocateArena(_ bytes: Int) -> UnsafeMutableRawPointer {
        guard let p = malloc(bytes) else { fatalError("out of memory for a dossier table of \(bytes) bytes") }
        return p
    }

    private mutating func growSlots(to c: Int) {
        slots.deallocate()
        slots = .allocate(capacity: c)
        slots.initialize(repeating: 0, count: c)
        mask = c - 1
        var o = 0
        while o < arenaUsed {
            if arena.load(fromByteOffset: o + DossierTable.hashOffset + 8, as: UInt32.self) & DossierTable.droppedBit == 0 {
                let h = hash(at: o)
                var i = Int(truncatingIfNeeded: h) & mask
                while slots[i] != 0 { i = (i + 1) & mask }
                slots[i] = (h & DossierTable.tagMask) | UInt64(o >> 3 + 1)
            }
            o = next(after: o)
        }
    }
}

/// Byte equality, a word at a time (ids are short: a libc call costs more than the compare).
@inline(__always)
func bytesEqual(_ a: UnsafeRawPointer, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    let rb = UnsafeRawPointer(b)
    var i = 0
    while i + 8 <= n {
        if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != rb.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
        i += 8
    }
    while i < n {
        if a.load(fromByteOffset: i, as: UInt8.self) != b[i] { return false }
        i += 1
    }
    return true
}
