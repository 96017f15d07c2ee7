// libFuzzer target: the NDJSON record path (Parsing/UTF8Validation, JSONStructuralScanner,
// JSONUnescape, DateTimeParser, RecordChecks through Formats/NDJSONFormat's NDJSONDecoder). Any line ends in a decoded record or one
// reject reason; an accepted record's texts lie inside the line or the decoder's scratch and
// satisfy SPEC §3.3 (required fields present, codes in range, ended ≥ received). The structural
// scanner (each stage-1 kernel) must agree with the reference JSONRecordScanner: same verdict,
// same slots, and the same UTF-8 verdict as the scalar validator where stage 1 gives one. The
// input read as a chunk of lines decodes the same with the one-pass line index as with the
// reference decoder.
import Foundation

let decoder = NDJSONDecoder(dates: DateTimeParser(), maxLineBytes: 1 << 20)
let scanner = JSONRecordScanner()
let structural = [JSONStructuralScanner()] + (Int32(0)...3).filter(JSONStructuralScanner.hasKernel).map { JSONStructuralScanner(kernel: $0) }
// The input as a chunk of NDJSON lines: the one-pass framing and index (what a parse worker
// runs) against the reference decoder (each LF found first, the recursive-descent scanner).
let framedDecoder = NDJSONDecoder(dates: DateTimeParser(), maxLineBytes: 1 << 20, reference: false)
let referenceDecoder = NDJSONDecoder(dates: DateTimeParser(), maxLineBytes: 1 << 20, reference: true)

/// Whether two decoded texts hold the same bytes.
func sameText(_ a: ByteText, _ b: ByteText) -> Bool {
    guard a.count == b.count else { return false }
    guard a.count > 0 else { return true }
    return memcmp(a.base!, b.base!, a.count) == 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    // Copy into an exactly-sized allocation so ASan sees any read past the line.
    let line = UnsafeMutablePointer<UInt8>.allocate(capacity: max(size, 1))
    defer { line.deallocate() }
    if size > 0 { line.update(from: data!, count: size) }
    let buf = UnsafeBufferPointer(start: UnsafePointer(line), count: size)

    if size > 0 {
        let validUTF8 = isValidUTF8(line, size)
        let accepted = scanner.scan(buf)
        if accepted && validUTF8 {
            for s in UnsafeBufferPointer(start: scanner.slots, count: DossierField.count) where s.kind != .absent {
                fuzzCheck(s.start >= 0 && s.start <= s.end && s.end <= size, "slot \(s) outside a \(size)-byte line")
            }
        }
        for (k, candidate) in structural.enumerated() {
            fuzzCheck(candidate.scan(buf) == accepted, "structural scanner \(k) says \(!accepted), the reference \(accepted)")
            fuzzCheck(candidate.utf8 < 0 || (candidate.utf8 == 1) == isValidUTF8Scalar(line, size),
                      "structural scanner \(k): UTF-8 verdict \(candidate.utf8)")
            guard accepted else { continue }
            for f in 0..<DossierField.count {
                let a = scanner.slots[f], b = candidate.slots[f]
                fuzzCheck(a.kind == b.kind && a.start == b.start && a.end == b.end && a.escaped == b.escaped && a.flag == b.flag,
                          "structural scanner \(k): slot \(f) \(b) but the reference \(a)")
            }
        }
    }
    // Record by record over the whole input, LFs and CRs included: the same spans, reasons and fields.
    var p = 0
    var spanA = RecordSpan(), spanB = RecordSpan(), recA = DecodedRecord(), recB = DecodedRecord()
    while p < size {
        let a = framedDecoder.decode(UnsafePointer(line), from: p, to: size, span: &spanA, into: &recA)
        let b = referenceDecoder.decode(UnsafePointer(line), from: p, to: size, span: &spanB, into: &recB)
        fuzzCheck(spanA.next == spanB.next && spanA.byteCount == spanB.byteCount && spanA.lineFeeds == spanB.lineFeeds && a == b,
                  "framed decode at \(p): \(a.map { $0.text } ?? "kept") but the reference \(b.map { $0.text } ?? "kept")")
        if a == nil && b == nil && spanB.byteCount > 0 {
            fuzzCheck(sameText(recA.id, recB.id) && sameText(recA.unit, recB.unit) && recA.status == recB.status &&
                      recA.received == recB.received && recA.ended == recB.ended, "framed decode at \(p): fields differ")
        }
        p = spanB.next
    }
    var rec = DecodedRecord()
    let reason = decoder.decode(buf, into: &rec)
    // An invalid_value reject's value lies within the line (or the scratch) and is UTF-8.
    if let reason, let v = decoder.rejectedValue(reason), v.count > 0 {
        fuzzCheck(v.count <= size && isValidUTF8(v.base!, v.count), "\(reason.text) value of \(v.count) bytes in a \(size)-byte line")
    }
    if reason == nil {
        fuzzCheck(rec.id.count > 0 && rec.unit.count > 0, "accepted without id or unit")
        fuzzCheck(rec.status >= 1 && rec.status <= 10, "accepted status \(rec.status)")
        fuzzCheck(rec.channel >= 1 && rec.channel <= 3, "accepted channel \(rec.channel)")
        fuzzCheck(rec.returnChannel <= 1 && rec.paidOnline <= 3, "accepted codes out of range")
        if rec.status != 1 && rec.status != 3 { fuzzCheck(rec.received != noDay, "received missing") }
        if rec.status >= 7 { fuzzCheck(rec.ended != noDay, "ended missing for status \(rec.status)") }
        if rec.ended != noDay && rec.received != noDay { fuzzCheck(rec.ended >= rec.received, "ended before received") }
        // Texts are valid UTF-8 (the line was), possibly with U+FFFD for lone surrogates.
        for t in [rec.id, rec.unit, rec.procedure, rec.sector] where t.count > 0 {
            fuzzCheck(isValidUTF8(t.base!, t.count), "a decoded text is not UTF-8")
        }
    }
    return 0
}
