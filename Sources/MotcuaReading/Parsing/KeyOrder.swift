// The order of a record's top-level keys, learned from the lines before (issue 16): exports
// write their keys in nearly the same order on every line, so the key that followed a key last
// time is the likely next one. Checking a guess needs only the bytes at the key's opening
// quote — its words and the closing quote after them — where finding the key's end through the
// next structural position and looking its name up needs a chain of dependent reads. Each key
// keeps its last two successors: an export whose lines differ by optional members (present on
// some lines, absent on others) has two likely next keys at those places, and one guess hits
// 95 % of members where two hit 99.6 % (the benchmark export). A guess that fails costs a
// compare or two; the scanner then reads the key as before and learns it.
// Only speed depends on what was learned: a key is taken from a guess only when its bytes are
// the guessed key's, byte for byte.

/// Keys learned from earlier lines, each linked to the two keys that followed it last.
struct KeyOrder {
    /// One learned key: its body (no escapes, at most 32 bytes) as `words` gives it, its §2.2
    /// field (or -1) and the entries that followed it last and the time before (0: none yet).
    struct Entry {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        /// For keys of fewer than 8 bytes: the bits of the first word that are the key's.
        var mask: UInt64 = 0
        var length = 0
        /// The bytes a guess reads: the length, at least 8.
        var span = 8
        var field = -1
        var next: Int32 = 0
        var previousNext: Int32 = 0
    }

    /// Entry 0 stands for the start of a line; learning stops when the table is full.
    private static let capacity = 64
    static let longestKey = 32
    private let entries: UnsafeMutablePointer<Entry>
    private var count = 1
    /// The entry of the key just read (0 at a line's start), or -1 when it was not learned.
    private var current: Int32 = 0
    /// Its first guess (`entries[current].next`, 0 for none), read when `current` was set: the
    /// next member's compare then starts from a value already in hand, not from a load that
    /// waits on `current` (a chain of two loads a member before).
    private var guessed: Int32 = 0

    init() {
        entries = .allocate(capacity: KeyOrder.capacity)
        entries.initialize(repeating: Entry(), count: KeyOrder.capacity)
    }

    func deallocate() { entries.deallocate() }

    @inline(__always) mutating func startLine() { move(to: 0) }

    /// `current` becomes entry `e` (or -1), and `guessed` its first guess.
    @inline(__always) private mutating func move(to e: Int32) {
        current = e
        guessed = e >= 0 ? entries[Int(e)].next : 0
    }

    /// The guessed key when the body starting at `ks` is one of the two keys that followed the
    /// last key (its closing quote at ks + length): its length and field; nil when there is no
    /// guess or the bytes differ. `n` is the line's length: the 8-byte reads stay inside the line.
    @inline(__always)
    mutating func guess(_ base: UnsafePointer<UInt8>, _ ks: Int, _ n: Int) -> (length: Int, field: Int)? {
        let g = guessed
        guard g > 0 else { return nil }   // also when current is -1
        if let hit = KeyOrder.match(entries[Int(g)], base, ks, n) {
            move(to: g)
            return hit
        }
        let last = entries + Int(current)
        let h = last.pointee.previousNext
        guard h > 0, let hit = KeyOrder.match(entries[Int(h)], base, ks, n) else { return nil }
        // The most recent successor is tried first.
        last.pointee.previousNext = g
        last.pointee.next = h
        move(to: h)
        return hit
    }

    /// Whether the body at `ks` is the key of `e`, byte for byte, closing quote included.
    @inline(__always)
    private static func match(_ e: Entry, _ base: UnsafePointer<UInt8>, _ ks: Int, _ n: Int) -> (length: Int, field: Int)? {
        guard ks &+ e.span < n else { return nil }   // n and the key's length are far from Int.max
        let raw = UnsafeRawPointer(base + ks)
        let first = raw.loadUnaligned(as: UInt64.self)
        if e.length < 8 {
            guard first & e.mask == e.words.0 else { return nil }
        } else {
            // The first and last words, then the middle ones of longer keys.
            guard first == e.words.0, raw.loadUnaligned(fromByteOffset: e.length &- 8, as: UInt64.self) == e.words.3,
                  e.length <= 16 || raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self) == e.words.1,
                  e.length <= 24 || raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self) == e.words.2 else { return nil }
        }
        guard base[ks &+ e.length] == UInt8(ascii: "\"") else { return nil }
        return (e.length, e.field)
    }

    /// After a key read without a guess: the body base[ks..<ke], whether it has escapes, its field.
    mutating func learn(_ base: UnsafePointer<UInt8>, _ ks: Int, _ ke: Int, escaped: Bool, field: Int) {
        let length = ke - ks
        guard !escaped, length <= KeyOrder.longestKey else { move(to: -1); return }
        let w = KeyOrder.words(base + ks, length)
        var found: Int32 = -1
        for i in 1..<count where entries[i].length == length && entries[i].words == w {
            found = Int32(i)
            break
        }
        if found < 0 && count < KeyOrder.capacity {
            entries[count] = Entry(words: w, mask: length < 8 ? (1 << (8 * UInt64(length))) - 1 : ~0, length: length,
                                   span: max(length, 8), field: field)
            found = Int32(count)
            count += 1
        }
        if current >= 0 && found > 0 && entries[Int(current)].next != found {
            entries[Int(current)].previousNext = entries[Int(current)].next
            entries[Int(current)].next = found
        }
        move(to: found)
    }

    /// The words `guess` compares for the key body p[0..<n] (n ≤ 32): bytes 0..<8, 8..<16 and
    /// 16..<24 where the key goes past them, and its last eight; zero where absent (below 8
    /// bytes, only the first word, zero-padded).
    static func words(_ p: UnsafePointer<UInt8>, _ n: Int) -> (UInt64, UInt64, UInt64, UInt64) {
        let raw = UnsafeRawPointer(p)
        guard n >= 8 else {
            var first: UInt64 = 0
            for i in 0..<n { first |= UInt64(p[i]) << (8 * UInt64(i)) }
            return (first, 0, 0, 0)
        }
        return (raw.loadUnaligned(as: UInt64.self),
                n > 16 ? raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self) : 0,
                n > 24 ? raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self) : 0,
                raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self))
    }
}
