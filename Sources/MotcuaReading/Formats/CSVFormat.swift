// `csv` (SPEC §2.3): a spreadsheet export, RFC 4180 with a header row. Records end at an LF
// outside quotes; the header is compiled once per file into columns (`CSVLayout`); code
// fields also take their Vietnamese labels, flags are booleans, every cell is text.
import MotcuaFoundation
import Foundation

extension InputFormat {
    public static let csv = InputFormat(rawValue: "csv")
}

package struct CSVFormat: RecordFormat {
    package static let name = InputFormat.csv
    package static let settingKeys: Set<String> = ["delimiter", "date_format", "columns", "labels"]
    let delimiter: UInt8
    let columns: [String: String]
    /// The built-in labels with the input's `labels:` over them, compiled once.
    let labels: LabelTables

    package init(spec: InputSpec) {
        delimiter = spec.delimiter
        columns = spec.columns
        labels = LabelTables(spec.labels)
    }

    package var framing: FramingRule { .csv(delimiter: delimiter) }
    package var hasHeaderRow: Bool { true }

    package func layout(for file: String, header: UnsafeBufferPointer<UInt8>?, dates: DateTimeParser,
                        maxLineBytes: Int) -> any FileLayout {
        CSVFileLayout(header: header, delimiter: delimiter, columns: columns, labels: labels, file: file, dates: dates,
                      maxLineBytes: maxLineBytes, rowsAreLines: false, hintDelimiter: true)
    }

    /// Any first line: the delimiter (`,` `;` or tab) that it holds most of.
    package static func sniff(_ firstLine: ArraySlice<UInt8>) -> InputSpec? {
        let candidates: [UInt8] = [0x2C, 0x3B, 0x09]
        let best = candidates.max { a, b in firstLine.filter { $0 == a }.count < firstLine.filter { $0 == b }.count }!
        return InputSpec(format: name, patterns: [], delimiter: best)
    }

    /// The header row's cells as written.
    static func headerNames(_ bytes: UnsafeBufferPointer<UInt8>?, delimiter: UInt8) -> [String] {
        guard let bytes, let base = bytes.baseAddress, bytes.count > 0 else { return [] }
        let splitter = CSVRecordSplitter(delimiter: delimiter)
        let out = UnsafeMutablePointer<UInt8>.allocate(capacity: bytes.count)
        defer { out.deallocate() }
        let rec = splitter.split(base, from: 0, to: bytes.count, into: out)
        return (0..<rec.cellCount).map {
            String(decoding: UnsafeBufferPointer(start: splitter.cells + splitter.starts[$0], count: splitter.ends[$0] - splitter.starts[$0]), as: UTF8.self)
        }
    }
}

/// A CSV header compiled for one file (also the layout of a workbook's sheet, written as CSV).
final class CSVFileLayout: FileLayout {
    let layout: CSVLayout
    let columnNames: [String]
    let delimiter: UInt8
    let dates: DateTimeParser
    let maxLineBytes: Int
    /// Each record counts as one line, whatever line breaks its quoted cells hold: a workbook
    /// row is one line, numbered as Excel numbers it.
    let rowsAreLines: Bool

    init(header: UnsafeBufferPointer<UInt8>?, delimiter: UInt8, columns: [String: String], labels: LabelTables, file: String,
         dates: DateTimeParser, maxLineBytes: Int, rowsAreLines: Bool, hintDelimiter: Bool = false) {
        layout = CSVLayout(header: header, delimiter: delimiter, overrides: columns, labels: labels, file: file,
                           hintDelimiter: hintDelimiter)
        columnNames = CSVFormat.headerNames(header, delimiter: delimiter)
        self.delimiter = delimiter
        self.dates = dates
        self.maxLineBytes = maxLineBytes
        self.rowsAreLines = rowsAreLines
    }

    var warnings: [String] { layout.warnings }

    func makeDecoder() -> any RecordDecoding {
        CSVDecoder(layout: layout, columnNames: columnNames, delimiter: delimiter, dates: dates, maxLineBytes: maxLineBytes,
                   rowsAreLines: rowsAreLines)
    }
}

/// Decodes CSV records: cells found in place (or unescaped into a scratch buffer), then the
/// §3.3 checks on the mapped columns.
public final class CSVDecoder: RecordDecoding {
    let layout: CSVLayout
    /// The layout's column per field, in raw storage (read for every field of every record).
    private let column: UnsafeMutablePointer<Int>
    private let columnNames: [String]
    private let splitter: CSVRecordSplitter
    private let dates: DateTimeParser
    private let maxLineBytes: Int
    private let rowsAreLines: Bool
    // Exclusivity unchecked at run time (the hot path): one thread owns this object at a time.
    @exclusivity(unchecked) private var scratch: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private var scratchCapacity = 4096
    private let labels: LabelCache
    /// The date fields' day memo (DateTimeParser.localDay(_:_:memo:)).
    private let days: UnsafeMutablePointer<DaySlot>
    @exclusivity(unchecked) private var lastCells = 0

    init(layout: CSVLayout, columnNames: [String], delimiter: UInt8, dates: DateTimeParser, maxLineBytes: Int,
         rowsAreLines: Bool = false) {
        self.layout = layout
        self.rowsAreLines = rowsAreLines
        column = .allocate(capacity: DossierField.count)
        column.initialize(from: layout.column, count: DossierField.count)
        self.columnNames = columnNames
        splitter = CSVRecordSplitter(delimiter: delimiter)
        self.dates = dates
        self.maxLineBytes = maxLineBytes
        labels = LabelCache(layout.labels)
        scratch = .allocate(capacity: scratchCapacity)
        days = DaySlot.makeMemo()
    }
    deinit {
        scratch.deallocate()
        column.deallocate()
        days.deallocate()
    }

    package func decode(_ base: UnsafePointer<UInt8>, from: Int, to: Int, span: inout RecordSpan,
                        into out: inout DecodedRecord) -> RejectReason? {
        if to - from > scratchCapacity {
            scratch.deallocate()
            scratchCapacity = max(to - from, scratchCapacity * 2)
            scratch = .allocate(capacity: scratchCapacity)
        }
        let record = splitter.split(base, from: from, to: to, into: scratch)
        span.next = record.next
        span.byteCount = record.byteCount
        span.lineFeeds = rowsAreLines ? min(record.lineFeeds, 1) : record.lineFeeds
        lastCells = record.cellCount
        if record.byteCount == 0 { return nil }
        if record.byteCount > maxLineBytes { return .lineTooLong }
        guard record.validUTF8 ?? isValidUTF8(base + from, record.byteCount) else { return .invalidUTF8 }
        if layout.malformed || record.malformed || record.cellCount != layout.columnCount { return .malformedCSV }
        var values = CSVFieldValues(column: UnsafePointer(column), starts: splitter.starts, ends: splitter.ends,
                                    cells: splitter.cells, labels: labels, days: days)
        return checkRecord(&values, dates: dates, into: &out)
    }

    /// The field's trimmed cell in the record last decoded.
    package func invalidValue(_ f: DossierField) -> ByteText {
        let c = column[f.rawValue]
        guard c >= 0, c < lastCells, splitter.ends[c] > splitter.starts[c] else { return .none }
        return ByteText(base: splitter.cells + splitter.starts[c], count: splitter.ends[c] - splitter.starts[c])
    }

    /// For `motcua init`: cell `column` of the record last decoded, as written (unescaped).
    package func cell(_ column: Int) -> String? {
        guard column < lastCells else { return nil }
        return String(decoding: UnsafeBufferPointer(start: splitter.cells + splitter.starts[column], count: splitter.ends[column] - splitter.starts[column]),
                      as: UTF8.self)
    }

    package func visitFields(_ visit: (String, Bool) -> Void) {
        for c in 0..<min(columnNames.count, lastCells) {
            visit(columnNames[c], splitter.ends[c] > splitter.starts[c])
        }
    }
}

/// The cells of one CSV record, through the header's column map.
struct CSVFieldValues: DossierFieldValues {
    let column: UnsafePointer<Int>
    let starts: UnsafeMutablePointer<Int>
    let ends: UnsafeMutablePointer<Int>
    let cells: UnsafePointer<UInt8>
    let labels: LabelCache
    let days: UnsafeMutablePointer<DaySlot>

    @inline(__always) func isPresent(_ f: DossierField) -> Bool {
        let c = column[f.rawValue]
        return c >= 0 && ends[c] > starts[c]
    }

    @inline(__always) func isText(_ f: DossierField) -> Bool { true }

    @inline(__always) func text(_ f: DossierField) -> ByteText {
        let c = column[f.rawValue]
        guard c >= 0, ends[c] > starts[c] else { return .none }
        return ByteText(base: cells + starts[c], count: ends[c] - starts[c])
    }

    /// Digits, or one of the field's labels; flags are booleans (SPEC §2.3).
    @inline(__always) mutating func code(_ f: DossierField) -> Int? {
        let t = text(f)
        guard let p = t.base else { return nil }
        switch f {
        case .hoSoCoThanhPhanSoHoa, .danhSachLePhi, .danhSachGiayToKetQua:
            return labels.value(t, kind: .boolean)
        case .kenhThucHien:
            return digitsValue(p, t.count) ?? labels.value(t, kind: .channel)
        case .hinhThuc:
            return digitsValue(p, t.count) ?? labels.value(t, kind: .returnChannel)
        default:
            return digitsValue(p, t.count)
        }
    }

    @inline(__always) mutating func status() -> Int? {
        let t = text(.trangThaiHoSo)
        guard let p = t.base else { return nil }
        return digitsValue(p, t.count) ?? labels.value(t, kind: .status)
    }

    /// A boolean cell; empty is false.
    @inline(__always) mutating func listFlag(_ f: DossierField) -> Bool? {
        guard isPresent(f) else { return false }
        return code(f).map { $0 == 1 }
    }
}
