// Stage 2 of the JSON record scanner (issue 16): walks the structural positions that stage 1
// (CByteKernels `motcua_json_index`) found, checks the RFC 8259 grammar over them (depth ≤ 64,
// numbers and literals byte by byte; strings were checked by stage 1) and fills the same
// slots as `JSONRecordScanner`, the recursive-descent reference it must always agree with.
// Bytes between positions are whitespace or string contents, so they are never read again.
// Top-level keys are mostly read from a guess (KeyOrder.swift), not through their end.
import MotcuaFoundation
import CByteKernels
import Foundation

public final class JSONStructuralScanner {
    /// One slot per `DossierField`, as `JSONRecordScanner.slots`.
    public let slots: UnsafeMutablePointer<ValueSlot>
    // Exclusivity unchecked at run time (the hot path): one thread owns this object at a time.
    /// Stage 1's output: structural offsets, then the line's length; grown for longer lines only.
    @exclusivity(unchecked) private var index: UnsafeMutablePointer<UInt32>
    @exclusivity(unchecked) private var indexCapacity = 0
    /// Scratch for unescaping keys (rare); reused.
    @exclusivity(unchecked) private var keys = EscapedKeys()
    private let names = FieldNameMatcher()
    /// The top-level keys' order, learned line by line: most keys are read from a guess.
    @exclusivity(unchecked) private var order = KeyOrder()
    /// After `scan`: 1 or 0 when stage 1 also validated the line's UTF-8 (AVX2, AVX-512),
    /// -1 when it did not (the caller validates).
    @exclusivity(unchecked) public private(set) var utf8: Int32 = -1
    /// Which stage-1 kernel (`MOTCUA_JSON_INDEX_*`), or -1 for the best this CPU has.
    private let kernel: Int32

    public init(kernel: Int32 = -1) {
        self.kernel = kernel
        slots = .allocate(capacity: DossierField.count)
        slots.initialize(repeating: ValueSlot(), count: DossierField.count)
        indexCapacity = 4096
        index = .allocate(capacity: indexCapacity + 72)
    }
    deinit {
        slots.deallocate()
        index.deallocate()
        order.deallocate()
    }

    /// Whether stage-1 kernel `k` (`MOTCUA_JSON_INDEX_*`) runs on this CPU.
    public static func hasKernel(_ k: Int32) -> Bool {
        var escapes: Int32 = 0
        var out = [UInt32](repeating: 0, count: 80)
        var utf8: Int32 = 0
        return motcua_json_index_with(k, "{}", 2, &out, &escapes, &utf8) != -2
    }

    /// Stage 1 alone with kernel `k` (tests): the position count (-1 for a line that cannot be
    /// JSON; -2 when this CPU lacks the kernel), the positions and the line's length after
    /// them, whether some string has an escape, and the UTF-8 verdict (1, 0, or -1 when the
    /// kernel does not validate); with `line`, through the line entry point (the bytes after
    /// the first LF are not the line's).
    package static func stage1(kernel k: Int32, _ bytes: [UInt8], line: Bool = false) -> (count: Int, positions: [UInt32], escapes: Bool, utf8: Int32) {
        var positions = [UInt32](repeating: 0, count: bytes.count + 72)
        var escapes: Int32 = 0, utf8: Int32 = 0, lf = 0
        let count = bytes.withUnsafeBufferPointer {
            line ? motcua_json_index_line_with(k, $0.baseAddress, $0.count, &positions, &escapes, &utf8, &lf)
                 : motcua_json_index_with(k, $0.baseAddress, $0.count, &positions, &escapes, &utf8)
        }
        guard count >= 0 else { return (count, [], false, utf8) }
        return (count, Array(positions[...count]), escapes != 0, utf8)
    }

    /// Scans `line`; false when it is not a single JSON object.
    public func scan(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        slots.update(repeating: ValueSlot(), count: DossierField.count)
        utf8 = -1
        guard let base = line.baseAddress else { return false }
        let n = line.count
        if n > indexCapacity {
            guard n < Int(UInt32.max) else { return false }
            index.deallocate()
            indexCapacity = max(n, indexCapacity * 2)
            index = .allocate(capacity: indexCapacity + 72)
        }
        var escapes: Int32 = 0
        let count = kernel < 0 ? motcua_json_index(base, n, index, &escapes, &utf8)
                               : motcua_json_index_with(kernel, base, n, index, &escapes, &utf8)
        guard count > 0 else { return false }
        var w = StructuralWalk(base: base, n: n, idx: index, count: count, escapes: escapes != 0)
        return scanTopObject(&w)
    }

    /// The most bytes `indexLine` may be given.
    @inline(__always) public var lineCapacity: Int { indexCapacity }

    // What `indexLine` found, for `scanIndexedLine`.
    @exclusivity(unchecked) private var lineCount = -1
    @exclusivity(unchecked) private var lineEscapes: Int32 = 0

    /// Stage 1 over the first line of p[0..<avail] (avail ≤ `lineCapacity`), framing it on the
    /// way: returns the offset of its LF, or avail when there is none; `utf8` is set as by
    /// `scan`. `scanIndexedLine` then finishes the scan of that line — the result is `scan`'s on
    /// the line alone, its terminator (LF, or CR LF) removed.
    @inline(__always)
    public func indexLine(_ p: UnsafePointer<UInt8>, _ avail: Int) -> Int {
        var lf = 0
        lineCount = kernel < 0 ? motcua_json_index_line(p, avail, index, &lineEscapes, &utf8, &lf)
                               : motcua_json_index_line_with(kernel, p, avail, index, &lineEscapes, &utf8, &lf)
        return lf
    }

    /// Stage 2 over the line `indexLine` indexed last: `line` is it, its terminator removed.
    @inline(__always)
    public func scanIndexedLine(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        slots.update(repeating: ValueSlot(), count: DossierField.count)
        guard lineCount > 0, let base = line.baseAddress else { return false }
        index[lineCount] = UInt32(truncatingIfNeeded: line.count)   // the line's end, not its CR's
        var w = StructuralWalk(base: base, n: line.count, idx: index, count: lineCount, escapes: lineEscapes != 0)
        return scanTopObject(&w)
    }

    private func scanTopObject(_ w: inout StructuralWalk) -> Bool {
        guard w.byte == UInt8(ascii: "{") else { return false }
        w.k &+= 1
        if w.byte == UInt8(ascii: "}") { w.k &+= 1; return w.k == w.count }
        // Local copies, written back around the calls that take the walk: the position index
        // and the guessed key's entry stay in registers on the common path.
        var order = self.order
        defer { self.order = order }
        order.startLine()
        let base = w.base, idx = w.idx, count = w.count
        var k = w.k
        while true {
            guard w.byte(at: k) == UInt8(ascii: "\"") else { return false }
            let ks = Int(idx[k]) &+ 1
            let field: Int
            if let known = order.guess(base, ks, w.n) {
                field = known.field
            } else {
                let ke = w.stringEnd(k), escaped = w.hasEscape(ks, ke)
                field = keys.field(base, ks, ke, escaped: escaped, in: names)
                order.learn(base, ks, ke, escaped: escaped, field: field)
            }
            guard w.byte(at: k &+ 1) == UInt8(ascii: ":") else { return false }
            k &+= 2
            let v = w.byte(at: k)
            if v == UInt8(ascii: "\"") {
                // A string (the commonest value): its contents were checked by stage 1.
                if field >= 0 {
                    let start = Int(idx[k]) &+ 1, end = w.stringEnd(k)
                    slots[field] = ValueSlot(kind: .string, start: start, end: end, escaped: w.hasEscape(start, end), flag: false)
                }
                k &+= 1
            } else if v &- UInt8(ascii: "0") < 10, case let p = Int(idx[k]), w.endsAfterOneByte(p) {
                // One digit (the flags and codes of these exports), as `scalar(at:)` reads it.
                if field >= 0 { slots[field] = ValueSlot(kind: .number, start: p, end: p &+ 1, escaped: false, flag: false) }
                k &+= 1
            } else {
                w.k = k
                if field >= 0 {
                    guard captureValue(&w, field: field) else { return false }
                } else {
                    var end = 0
                    guard w.value(depth: 1, end: &end) != nil else { return false }
                }
                k = w.k
            }
            let b = w.byte(at: k)
            k &+= 1
            if b == UInt8(ascii: ",") { continue }
            w.k = k
            return b == UInt8(ascii: "}") && k == count
        }
    }

    /// Any value but a string (scanTopObject takes strings itself).
    private func captureValue(_ w: inout StructuralWalk, field: Int) -> Bool {
        var slot = ValueSlot()
        let b = w.byte
        slot.start = w.position(w.k)
        if b == UInt8(ascii: "[") && (field == DossierField.danhSachLePhi.rawValue || field == DossierField.danhSachGiayToKetQua.rawValue) {
            slot.kind = .array
            guard scanFlagArray(&w, wantsFee: field == DossierField.danhSachLePhi.rawValue, flag: &slot.flag) else { return false }
            slot.end = w.position(w.k - 1) + 1
        } else {
            guard let kind = w.value(depth: 1, end: &slot.end) else { return false }
            slot.kind = kind
        }
        slots[field] = slot
        return true
    }

    /// Elements of DanhSachLePhi (`Gia` > 0) or DanhSachGiayToKetQua (non-empty
    /// `DuongDanTepTinKetQua`); sets `flag` when some element qualifies (as the reference).
    private func scanFlagArray(_ w: inout StructuralWalk, wantsFee: Bool, flag: inout Bool) -> Bool {
        w.k &+= 1   // '['
        if w.byte == UInt8(ascii: "]") { w.k &+= 1; return true }
        let wanted: StaticString = wantsFee ? "Gia" : "DuongDanTepTinKetQua"
        var end = 0
        while true {
            if w.byte == UInt8(ascii: "{") {
                w.k &+= 1
                var qualifies = false
                if w.byte == UInt8(ascii: "}") {
                    w.k &+= 1
                } else {
                    while true {
                        guard w.byte == UInt8(ascii: "\"") else { return false }
                        let ks = w.position(w.k) + 1, ke = w.stringEnd(w.k)
                        w.k &+= 1
                        let isWanted = keys.equals(w.base, ks, ke, escaped: w.hasEscape(ks, ke), wanted)
                        guard w.byte == UInt8(ascii: ":") else { return false }
                        w.k &+= 1
                        if isWanted {
                            // The last occurrence of a repeated key counts.
                            if w.byte == UInt8(ascii: "\"") {
                                let vs = w.position(w.k) + 1, ve = w.stringEnd(w.k)
                                w.k &+= 1
                                qualifies = wantsFee ? numericStringIsPositive(w.base, vs, ve, w.hasEscape(vs, ve)) : ve > vs
                            } else {
                                let vs = w.position(w.k)
                                guard let kind = w.value(depth: 3, end: &end) else { return false }
                                // A result path is "non-empty" unless null or "" (SPEC §2.2: those are absence).
                                qualifies = wantsFee ? kind == .number && numberIsPositive(w.base, vs, end) : kind != .null
                            }
                        } else {
                            guard w.value(depth: 3, end: &end) != nil else { return false }
                        }
                        let b = w.byte
                        w.k &+= 1
                        if b == UInt8(ascii: ",") { continue }
                        guard b == UInt8(ascii: "}") else { return false }
                        break
                    }
                }
                if qualifies { flag = true }
            } else {
                guard w.value(depth: 2, end: &end) != nil else { return false }
            }
            let b = w.byte
            w.k &+= 1
            if b == UInt8(ascii: ",") { continue }
            return b == UInt8(ascii: "]")
        }
    }
}

/// A read position over stage 1's structural offsets of one line.
struct StructuralWalk {
    let base: UnsafePointer<UInt8>
    let n: Int
    let idx: UnsafePointer<UInt32>
    let count: Int
    /// Some string of the line has an escape (else no string needs looking at).
    let escapes: Bool
    var k = 0

    init(base: UnsafePointer<UInt8>, n: Int, idx: UnsafeMutablePointer<UInt32>, count: Int, escapes: Bool) {
        self.base = base
        self.n = n
        self.idx = UnsafePointer(idx)
        self.count = count
        self.escapes = escapes
    }

    /// The `i`th structural offset (`idx[count]` is the line's length).
    @inline(__always) func position(_ i: Int) -> Int { Int(idx[i]) }

    /// The byte at the current structural position, or 0 past the last (0 starts no token).
    @inline(__always) var byte: UInt8 { byte(at: k) }

    /// The byte at structural position `i`, or 0 past the last.
    @inline(__always) func byte(at i: Int) -> UInt8 { i < count ? base[Int(idx[i])] : 0 }

    /// The closing quote of the string that opens at position `i`: stage 1 records only opening
    /// quotes, and between a closing quote and the next position there is only whitespace.
    @inline(__always) func stringEnd(_ i: Int) -> Int {
        var e = Int(idx[i + 1]) - 1
        while isTrimmable(base[e]) { e -= 1 }
        return e
    }

    /// Whether the string body base[s..<e] has an escape.
    @inline(__always) func hasEscape(_ s: Int, _ e: Int) -> Bool {
        escapes && motcua_has_backslash(base + s, e - s) != 0
    }

    /// Checks the value at the current position and moves past it; `end` is the offset after
    /// its last byte (not set for a string: its contents were checked by stage 1, and callers
    /// that need its end ask `stringEnd`). `depth` is the nesting level of its container (the
    /// top object is 1).
    @inline(__always)
    mutating func value(depth: Int, end: inout Int) -> JSONKind? {
        guard k < count else { return nil }
        let p = Int(idx[k])
        switch base[p] {
        case UInt8(ascii: "\""):
            k &+= 1
            return .string
        case UInt8(ascii: "{"):
            guard skipContainer(depth: depth) else { return nil }
            end = Int(idx[k - 1]) + 1
            return .object
        case UInt8(ascii: "["):
            guard skipContainer(depth: depth) else { return nil }
            end = Int(idx[k - 1]) + 1
            return .array
        default:
            k &+= 1
            return scalar(at: p, end: &end)
        }
    }

    /// A literal or number starting at `p`: its grammar, and that it ends where stage 1's run of
    /// scalar bytes ends (at whitespace, a structural character or the end of the line).
    @inline(__always)
    func scalar(at p: Int, end: inout Int) -> JSONKind? {
        let kind: JSONKind
        var e: Int
        let raw = UnsafeRawPointer(base)
        switch base[p] {
        case UInt8(ascii: "t"):
            guard p + 4 <= n, raw.loadUnaligned(fromByteOffset: p, as: UInt32.self) == 0x6575_7274 else { return nil }   // "true"
            kind = .trueValue; e = p + 4
        case UInt8(ascii: "f"):
            guard p + 5 <= n, raw.loadUnaligned(fromByteOffset: p + 1, as: UInt32.self) == 0x6573_6C61 else { return nil }   // "alse"
            kind = .falseValue; e = p + 5
        case UInt8(ascii: "n"):
            guard p + 4 <= n, raw.loadUnaligned(fromByteOffset: p, as: UInt32.self) == 0x6C6C_756E else { return nil }   // "null"
            kind = .null; e = p + 4
        case UInt8(ascii: "0")...UInt8(ascii: "9") where endsAfterOneByte(p):
            kind = .number; e = p + 1   // one digit (the flags and codes of these exports)
        default:
            e = numberEnd(p)
            guard e > p else { return nil }
            kind = .number
        }
        guard e == n || endsScalar(base[e]) else { return nil }
        end = e
        return kind
    }

    /// The end of the RFC 8259 number at `p`, or `p` when there is none.
    @inline(__always)
    func numberEnd(_ start: Int) -> Int {
        var p = start
        @inline(__always) func at(_ i: Int) -> UInt8 { i < n ? base[i] : 0 }
        if at(p) == UInt8(ascii: "-") { p += 1 }
        let d = at(p)
        if d == UInt8(ascii: "0") {
            p += 1
        } else if d >= UInt8(ascii: "1") && d <= UInt8(ascii: "9") {
            p += 1
            while isDigit(at(p)) { p += 1 }
        } else {
            return start
        }
        if at(p) == UInt8(ascii: ".") {
            p += 1
            guard isDigit(at(p)) else { return start }
            while isDigit(at(p)) { p += 1 }
        }
        if at(p) | 0x20 == UInt8(ascii: "e") {
            p += 1
            if at(p) == UInt8(ascii: "+") || at(p) == UInt8(ascii: "-") { p += 1 }
            guard isDigit(at(p)) else { return start }
            while isDigit(at(p)) { p += 1 }
        }
        return p
    }

    /// Whether the scalar starting at `p` ends after its first byte (at the line's end, or
    /// where `endsScalar` says): a one-digit number when that byte is a digit.
    @inline(__always)
    func endsAfterOneByte(_ p: Int) -> Bool { p &+ 1 == n || endsScalar(base[p &+ 1]) }

    /// Whitespace, `"` or one of `{}[]:,`: what may follow a scalar.
    @inline(__always)
    func endsScalar(_ b: UInt8) -> Bool {
        // Bits for space, tab, LF, CR, '"', ',' and ':' (all below 64).
        let low: UInt64 = 1 << 0x20 | 1 << 0x09 | 1 << 0x0A | 1 << 0x0D | 1 << 0x22 | 1 << 0x2C | 1 << 0x3A
        if b < 64 { return (low >> UInt64(b)) & 1 != 0 }
        return b | 0x20 == UInt8(ascii: "{") || b | 0x20 == UInt8(ascii: "}")
    }

    /// Checks the object or array at the current position and moves past its closing bracket,
    /// without recursion: one bit per open level says object (1) or array (0).
    mutating func skipContainer(depth: Int) -> Bool {
        guard depth < JSONRecordScanner.maxDepth else { return false }
        var kinds: UInt64 = 0
        var level = 0
        var end = 0
        opening: while true {
            // At an opening bracket: enter it.
            let opensObject = base[Int(idx[k])] == UInt8(ascii: "{")
            kinds = kinds << 1 | (opensObject ? 1 : 0)
            level &+= 1
            k &+= 1
            // Empty: the close is read below, as after a member.
            var member = byte != (opensObject ? UInt8(ascii: "}") : UInt8(ascii: "]"))
            while true {
                let isObject = kinds & 1 != 0
                if member {
                    // A member: its key and colon in an object, then a value at depth + level.
                    if isObject {
                        guard byte == UInt8(ascii: "\""), k + 1 < count, base[Int(idx[k + 1])] == UInt8(ascii: ":") else { return false }
                        k &+= 2
                    }
                    guard k < count else { return false }
                    let p = Int(idx[k])
                    let v = base[p]
                    if v == UInt8(ascii: "{") || v == UInt8(ascii: "[") {
                        guard depth + level < JSONRecordScanner.maxDepth else { return false }
                        continue opening
                    }
                    if v == UInt8(ascii: "\"") { k &+= 1 } else {
                        k &+= 1
                        guard scalar(at: p, end: &end) != nil else { return false }
                    }
                }
                // After a member (or an opening bracket): `,` and the next member, or the close.
                let b = byte
                k &+= 1
                if b == UInt8(ascii: ",") {
                    member = true
                    continue
                }
                guard b == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else { return false }
                level &-= 1
                kinds >>= 1
                if level == 0 { return true }
                member = false
            }
        }
    }
}
