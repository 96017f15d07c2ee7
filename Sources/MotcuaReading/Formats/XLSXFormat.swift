// `xlsx`: an Excel workbook as vendors export it — one sheet (the first visible, or `sheet:`)
// with title rows above a header row (found by its column names, or `header_row:`). The sheet's
// rows are written as CSV lines, row n on line n (`SheetTextSource`), and decoded exactly as
// the `csv` format decodes them: the same columns, labels, dates and checks, so a workbook and
// its CSV export give the same numbers.
import MotcuaFoundation
import Foundation

extension InputFormat {
    public static let xlsx = InputFormat(rawValue: "xlsx")
}

package struct XLSXFormat: RecordFormat {
    package static let name = InputFormat.xlsx
    package static let settingKeys: Set<String> = ["sheet", "header_row", "date_format", "columns", "labels"]
    let spec: InputSpec
    /// The built-in labels with the input's `labels:` over them, compiled once.
    let labels: LabelTables

    package init(spec: InputSpec) {
        self.spec = spec
        labels = LabelTables(spec.labels)
    }

    package var framing: FramingRule { .csv(delimiter: SheetTextSource.delimiter) }
    package var hasHeaderRow: Bool { true }

    package func layout(for file: String, header: UnsafeBufferPointer<UInt8>?, dates: DateTimeParser,
                        maxLineBytes: Int) -> any FileLayout {
        CSVFileLayout(header: header, delimiter: SheetTextSource.delimiter, columns: spec.columns, labels: labels, file: file, dates: dates,
                      maxLineBytes: maxLineBytes, rowsAreLines: true)
    }

    /// A zip archive (a workbook is one; anything else in a zip is refused when it is opened).
    package static func sniff(_ firstLine: ArraySlice<UInt8>) -> InputSpec? {
        firstLine.starts(with: [0x50, 0x4B, 0x03, 0x04]) ? InputSpec(format: name, patterns: []) : nil
    }

    package func openSource(path: String, name: String, inflater: InflaterKind) throws -> any ByteSource {
        try SheetTextSource(path: path, name: name, spec: spec)
    }
}
