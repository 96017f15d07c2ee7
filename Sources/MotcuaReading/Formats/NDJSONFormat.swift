// `dvcqg-ndjson` (SPEC §2.2): one portal-shaped JSON object per line. A line is found (its
// LF), validated as RFC 8259 and its fields located by `JSONStructuralScanner` — the LF in the
// same pass as stage 1's index; codes are JSON integers or digit strings, TrangThaiHoSo also
// the portal's English words.
import MotcuaFoundation
import Foundation

extension InputFormat {
    public static let dvcqgNdjson = InputFormat(rawValue: "dvcqg-ndjson")
}

package struct NDJSONFormat: RecordFormat {
    package static let name = InputFormat.dvcqgNdjson
    /// The input keys it reads (`delimiter` and `columns` are accepted, unused, as they always were).
    package static let settingKeys: Set<String> = ["delimiter", "date_format", "columns"]
    package init(spec: InputSpec) {}
    package var framing: FramingRule { .lines }
    package var hasHeaderRow: Bool { false }

    package func layout(for file: String, header: UnsafeBufferPointer<UInt8>?, dates: DateTimeParser,
                        maxLineBytes: Int) -> any FileLayout {
        NDJSONLayout(dates: dates, maxLineBytes: maxLineBytes)
    }

    /// A first line that starts with `{`.
    package static func sniff(_ firstLine: ArraySlice<UInt8>) -> InputSpec? {
        guard firstLine.first(where: { !isTrimmable($0) }) == UInt8(ascii: "{") else { return nil }
        return InputSpec(format: name, patterns: [])
    }
}

final class NDJSONLayout: FileLayout {
    let dates: DateTimeParser
    let maxLineBytes: Int
    init(dates: DateTimeParser, maxLineBytes: Int) {
        self.dates = dates
        self.maxLineBytes = maxLineBytes
    }
    var warnings: [String] { [] }
    var columnNames: [String] { [] }
    func makeDecoder() -> any RecordDecoding { NDJSONDecoder(dates: dates, maxLineBytes: maxLineBytes) }
}

/// Decodes NDJSON lines: LF-terminated (a CR before the LF is part of the terminator).
public final class NDJSONDecoder: RecordDecoding {
    public let dates: DateTimeParser
    public let maxLineBytes: Int
    private let scanner = JSONStructuralScanner()
    /// `MOTCUA_JSON_SCANNER=reference` scans with the recursive-descent reference instead (the
    /// same results; for comparing the two in one binary).
    private let reference: JSONRecordScanner?
    private let slots: UnsafeMutablePointer<ValueSlot>
    public static let useReference = ProcessInfo.processInfo.environment["MOTCUA_JSON_SCANNER"] == "reference"
    // Exclusivity unchecked at run time (the hot path): one thread owns this object at a time.
    @exclusivity(unchecked) private var scratch: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private var scratchCapacity = 4096
    @exclusivity(unchecked) private var lastLine = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
    private lazy var keys = TopLevelKeys()
    /// The date fields' day memo (DateTimeParser.localDay(_:_:memo:)).
    private let days: UnsafeMutablePointer<DaySlot>

    /// `reference`: scan with the reference (and find each line's LF first), as the variable says.
    public init(dates: DateTimeParser, maxLineBytes: Int, reference: Bool = NDJSONDecoder.useReference) {
        self.dates = dates
        self.maxLineBytes = maxLineBytes
        self.reference = reference ? JSONRecordScanner() : nil
        scratch = .allocate(capacity: scratchCapacity)
        slots = self.reference?.slots ?? scanner.slots
        days = DaySlot.makeMemo()
    }
    deinit {
        scratch.deallocate()
        days.deallocate()
    }

    package func decode(_ base: UnsafePointer<UInt8>, from: Int, to: Int, span: inout RecordSpan,
                        into out: inout DecodedRecord) -> RejectReason? {
        if reference == nil {
            // Framing and stage 1 in one pass over the line (no separate search for its LF),
            // unless the rest of the chunk is longer than the index holds and has no LF there.
            let p = base + from, avail = to - from
            let capped = min(avail, scanner.lineCapacity)
            let lf = scanner.indexLine(p, capped)
            if lf < capped || capped == avail {
                var end = lf
                let hasLF = lf < avail
                span.next = hasLF ? from + lf + 1 : to
                span.lineFeeds = hasLF ? 1 : 0
                // A CR is part of the terminator only when LF follows it.
                if hasLF && end > 0 && p[end - 1] == 0x0D { end -= 1 }
                span.byteCount = end
                if end == 0 { return nil }
                let line = UnsafeBufferPointer(start: p, count: end)
                lastLine = line
                if end > maxLineBytes { return .lineTooLong }
                // Stage 1 may have checked UTF-8 on the way; invalid UTF-8 is reported first.
                let isJSON = scanner.scanIndexedLine(line)
                guard scanner.utf8 == 1 || (scanner.utf8 < 0 && isValidUTF8(p, end)) else { return .invalidUTF8 }
                guard isJSON else { return .malformedJSON }
                return checkScanned(p, end, into: &out)
            }
        }
        let lf = memchr(base + from, 0x0A, to - from)
        var end = lf.map { base.distance(to: $0.assumingMemoryBound(to: UInt8.self)) } ?? to
        span.next = lf == nil ? to : end + 1
        span.lineFeeds = lf == nil ? 0 : 1
        // A CR is part of the terminator only when LF follows it.
        if lf != nil && end > from && base[end - 1] == 0x0D { end -= 1 }
        span.byteCount = end - from
        if end == from { return nil }
        return decode(UnsafeBufferPointer(start: base + from, count: end - from), into: &out)
    }

    /// Decodes one line (terminator removed, not blank) into `out`; returns the reject reason.
    public func decode(_ line: UnsafeBufferPointer<UInt8>, into out: inout DecodedRecord) -> RejectReason? {
        let n = line.count
        lastLine = line
        if n > maxLineBytes { return .lineTooLong }
        guard let base = line.baseAddress else { return .invalidUTF8 }
        let isJSON: Bool
        if let reference {
            guard isValidUTF8(base, n) else { return .invalidUTF8 }
            isJSON = reference.scan(line)
        } else {
            // Stage 1 may have checked UTF-8 on the way; invalid UTF-8 is reported first.
            isJSON = scanner.scan(line)
            guard scanner.utf8 == 1 || (scanner.utf8 < 0 && isValidUTF8(base, n)) else { return .invalidUTF8 }
        }
        guard isJSON else { return .malformedJSON }
        return checkScanned(base, n, into: &out)
    }

    /// The SPEC checks of a line the scanner accepted.
    @inline(__always)
    private func checkScanned(_ base: UnsafePointer<UInt8>, _ n: Int, into out: inout DecodedRecord) -> RejectReason? {
        if n > scratchCapacity {
            scratch.deallocate()
            scratchCapacity = max(n, scratchCapacity * 2)
            scratch = .allocate(capacity: scratchCapacity)
        }
        var values = JSONFieldValues(slots: slots, line: base, scratch: scratch, days: days)
        return checkRecord(&values, dates: dates, into: &out)
    }

    /// The field's value in the line last decoded: a string's unescaped text (in the scratch,
    /// which the rejected record no longer needs), any other JSON value's text as written.
    package func invalidValue(_ f: DossierField) -> ByteText {
        let s = slots[f.rawValue]
        guard let line = lastLine.baseAddress, s.kind != .absent, s.end > s.start else { return .none }
        guard s.kind == .string, s.escaped else { return ByteText(base: line + s.start, count: s.end - s.start) }
        return ByteText(base: UnsafePointer(scratch), count: unescapeJSONString(line + s.start, s.end - s.start, into: scratch))
    }

    package func visitFields(_ visit: (String, Bool) -> Void) {
        keys.visit(lastLine) { visit($0, true) } onEmpty: { visit($0, false) }
    }
}

/// The fields of one scanned line: JSON kinds decide what is text and what is a code.
struct JSONFieldValues: DossierFieldValues {
    let slots: UnsafeMutablePointer<ValueSlot>
    let line: UnsafePointer<UInt8>
    let scratch: UnsafeMutablePointer<UInt8>
    let days: UnsafeMutablePointer<DaySlot>
    var scratchUsed = 0

    @inline(__always) func isPresent(_ f: DossierField) -> Bool {
        let s = slots[f.rawValue]
        switch s.kind {
        case .absent, .null: return false
        case .string: return s.end > s.start
        default: return true
        }
    }

    @inline(__always) func isText(_ f: DossierField) -> Bool { slots[f.rawValue].kind == .string }

    /// The unescaped bytes of a string value (escaped ones are unescaped into the scratch).
    mutating func text(_ f: DossierField) -> ByteText {
        let s = slots[f.rawValue]
        guard s.kind == .string, s.end > s.start else { return .none }
        if !s.escaped { return ByteText(base: line + s.start, count: s.end - s.start) }
        let dst = scratch + scratchUsed
        let n = unescapeJSONString(line + s.start, s.end - s.start, into: dst)
        scratchUsed += n
        return ByteText(base: UnsafePointer(dst), count: n)
    }

    /// A JSON integer or a string of ASCII digits.
    mutating func code(_ f: DossierField) -> Int? {
        let s = slots[f.rawValue]
        switch s.kind {
        case .number: return jsonIntegerValue(line + s.start, s.end - s.start)
        case .string:
            let t = text(f)
            return digitsValue(t.base!, t.count)
        default: return nil
        }
    }

    mutating func status() -> Int? {
        let s = slots[DossierField.trangThaiHoSo.rawValue]
        if s.kind == .number { return jsonIntegerValue(line + s.start, s.end - s.start) }
        guard s.kind == .string else { return nil }
        let t = text(.trangThaiHoSo)
        return digitsValue(t.base!, t.count) ?? englishStatus(t)
    }

    /// True when the array has an element that qualifies; anything but an array is false.
    func listFlag(_ f: DossierField) -> Bool? {
        let s = slots[f.rawValue]
        return s.kind == .array && s.flag
    }
}

/// Top-level keys of an NDJSON line and whether each value is filled (not null, not "").
struct TopLevelKeys {
    private var names = ByteKeyTable(capacity: 64)
    private var strings: [String] = []

    mutating func visit(_ line: UnsafeBufferPointer<UInt8>, onFilled: (String) -> Void, onEmpty: (String) -> Void) {
        guard let base = line.baseAddress else { return }
        var c = Cursor(base: base, end: line.count)
        c.skipWS()
        guard c.peek == UInt8(ascii: "{") else { return }
        c.pos += 1
        while true {
            c.skipWS()
            guard c.peek == UInt8(ascii: "\"") else { return }
            c.pos += 1
            let ks = c.pos
            guard c.scanStringBody() != nil else { return }
            let (idx, inserted) = names.findOrInsert(base + ks, c.pos - 1 - ks)
            if inserted { strings.append(String(decoding: UnsafeBufferPointer(start: base + ks, count: c.pos - 1 - ks), as: UTF8.self)) }
            c.skipWS()
            guard c.peek == UInt8(ascii: ":") else { return }
            c.pos += 1
            c.skipWS()
            let vs = c.pos
            guard let kind = c.skipScalarOrContainer(depth: 1) else { return }
            let empty = kind == .null || (kind == .string && c.pos - vs == 2)
            if empty { onEmpty(strings[idx]) } else { onFilled(strings[idx]) }
            c.skipWS()
            guard c.peek == UInt8(ascii: ",") else { return }
            c.pos += 1
        }
    }
}
