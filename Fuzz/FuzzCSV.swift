// libFuzzer target: CSV framing, splitting and decoding (Framing/RecordFraming,
// Parsing/CSVRecordSplitter, Formats/CSVFormat: the layout compiled from a header row and its
// decoder). Properties: the records are the same whether the bytes are split whole or piece
// by piece at the framing's cut points (how the engine chunks them); the splitter always
// advances and its cells stay inside the output; the splitter (its 64-byte kernel first) and
// the framing (64 bytes at a time) agree with their byte-by-byte references (and the
// splitter's UTF-8 verdict, when its kernel gives one, with isValidUTF8's); decoding never
// crashes and always advances, its span staying inside the record it consumed.
import Foundation

func records(_ base: UnsafePointer<UInt8>, _ from: Int, _ to: Int, _ delimiter: UInt8,
             _ out: UnsafeMutablePointer<UInt8>) -> [[[UInt8]]] {
    let splitter = CSVRecordSplitter(delimiter: delimiter), reference = CSVRecordSplitter(delimiter: delimiter)
    let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: to - from + 1)
    defer { scratch.deallocate() }
    var rows: [[[UInt8]]] = []
    var p = from
    while p < to {
        let r = splitter.split(base, from: p, to: to, into: out)
        let w = reference.splitReference(base, from: p, to: to, into: scratch)
        fuzzCheck(r.next == w.next && r.byteCount == w.byteCount && r.lineFeeds == w.lineFeeds && r.malformed == w.malformed
                  && r.cellCount == w.cellCount, "split differs from the reference at \(p)")
        if let valid = r.validUTF8 {
            fuzzCheck(valid == isValidUTF8Scalar(base + p, w.byteCount), "UTF-8 verdict of the record at \(p) differs")
        }
        for c in 0..<min(r.cellCount, w.cellCount) {
            fuzzCheck(Array(UnsafeBufferPointer(start: splitter.cells + splitter.starts[c], count: splitter.ends[c] - splitter.starts[c]))
                      == Array(UnsafeBufferPointer(start: reference.cells + reference.starts[c], count: reference.ends[c] - reference.starts[c])),
                      "cell \(c) of the record at \(p) differs from the reference")
        }
        fuzzCheck(r.next > p && r.next <= to, "splitter did not advance (\(p) → \(r.next), end \(to))")
        fuzzCheck(r.byteCount >= 0 && r.byteCount <= r.next - p, "byteCount \(r.byteCount) beyond the record")
        fuzzCheck(r.cellCount == splitter.cellCount && r.cellCount >= 1, "cell count")
        if r.byteCount > 0 {
            rows.append((0..<r.cellCount).map { c in
                let s = splitter.starts[c], e = splitter.ends[c]
                fuzzCheck(s >= 0 && s <= e && e <= to - p, "cell \(c) span \(s)..<\(e) outside the output")
                return Array(UnsafeBufferPointer(start: splitter.cells + s, count: e - s))
            })
        }
        p = r.next
    }
    return rows
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard size >= 2 else { return 0 }
    let delimiter: UInt8 = [0x2C, 0x3B, 0x09, 0x7C][Int(data![0] & 3)]
    let piece = 1 + Int(data![1])
    let n = size - 2
    let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: max(n, 1))
    let out = UnsafeMutablePointer<UInt8>.allocate(capacity: max(n, 1) + 1)
    defer { bytes.deallocate(); out.deallocate() }
    if n > 0 { bytes.update(from: data! + 2, count: n) }
    let format = CSVFormat(spec: InputSpec(format: .csv, patterns: ["fuzz.csv"], delimiter: delimiter))

    // Framing in pieces of `piece` bytes, as reads arrive.
    var framing = RecordFraming(mode: format.framing), byteByByte = RecordFraming(mode: format.framing)
    var cuts: [Int] = []
    var scanned = 0
    while scanned < n {
        let to = min(n, scanned + piece)
        let last = framing.lastBoundary(bytes, from: scanned, to: to)
        var expected = -1, at = scanned, lines = 0
        while at < to {
            let found = byteByByte.firstBoundary(bytes, from: at, to: to, lines: &lines)
            if found < 0 { break }
            (expected, at) = (found, found + 1)
        }
        fuzzCheck(last == expected, "lastBoundary \(last), byte by byte \(expected), in \(scanned)..<\(to)")
        if last >= 0 {
            fuzzCheck(last >= scanned && last < to && bytes[last] == 0x0A, "boundary \(last) is not an LF in range")
            cuts.append(last + 1)
        }
        scanned = to
    }
    let whole = records(bytes, 0, n, delimiter, out)
    var pieces: [[[UInt8]]] = []
    var start = 0
    for c in cuts + [n] where c > start {
        pieces += records(bytes, start, c, delimiter, out)
        start = c
    }
    fuzzCheck(whole == pieces, "records differ when cut at framing boundaries (\(whole.count) vs \(pieces.count))")

    // Decode every record with the format's decoder, its layout compiled from the first
    // record as the header row (as the reader hands it: the row's bytes without terminator).
    let first = CSVRecordSplitter(delimiter: delimiter).split(bytes, from: 0, to: n, into: out)
    let layout = format.layout(for: "fuzz.csv", header: UnsafeBufferPointer(start: UnsafePointer(bytes), count: first.byteCount),
                               dates: DateTimeParser(), maxLineBytes: 1 << 20)
    let decoder = layout.makeDecoder()
    var p = first.next
    var span = RecordSpan()
    var decoded = DecodedRecord()
    while p < n {
        let reason = decoder.decode(UnsafePointer(bytes), from: p, to: n, span: &span, into: &decoded)
        if let reason, let v = decoder.rejectedValue(reason), v.count > 0 {
            fuzzCheck(v.count <= span.byteCount && isValidUTF8(v.base!, v.count), "\(reason.text) value of \(v.count) bytes in a \(span.byteCount)-byte record")
        }
        fuzzCheck(span.next > p && span.next <= n, "CSV decode did not advance (\(p) → \(span.next), end \(n))")
        fuzzCheck(span.byteCount >= 0 && span.byteCount <= span.next - p, "record span \(span.byteCount) beyond the record")
        p = span.next
    }
    return 0
}
