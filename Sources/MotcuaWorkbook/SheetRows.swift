// A worksheet read as rows while it inflates: each row's number as Excel shows it, and its
// cells' columns and texts — shared strings looked up, inline and formula strings as written,
// numbers in date styles turned into date text, booleans TRUE/FALSE as Excel's own CSV export
// writes them. The cells' bytes live in buffers reused from row to row.
import MotcuaFoundation
import Foundation

/// One cell of a row: its column (0 = A) and where its text lies in the row's bytes.
package struct SheetCell {
    package var column: Int
    package var start: Int
    package var end: Int
    package init(column: Int, start: Int, end: Int) { (self.column, self.start, self.end) = (column, start, end) }
}

/// A row as handed to a `SheetRowSink`; valid only during the call.
package struct SheetRow {
    package let cells: UnsafeBufferPointer<SheetCell>
    package let bytes: UnsafeBufferPointer<UInt8>

    package init(cells: UnsafeBufferPointer<SheetCell>, bytes: UnsafeBufferPointer<UInt8>) { (self.cells, self.bytes) = (cells, bytes) }

    package func text(_ cell: SheetCell) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[cell.start..<cell.end])
    }
}

/// What a sheet's rows go to.
package protocol SheetRowSink: AnyObject {
    /// A row holding at least one cell, in ascending row order (`number` is 1-based).
    func row(_ number: Int, _ row: SheetRow) throws
}

package enum SheetReader {
    /// Excel's last row (a sheet has at most 1,048,576).
    package static let maxRows = 1_048_576

    /// Streams `sheet` of `workbook` into `sink`; `inflated` is called with the sheet's bytes
    /// inflated so far (for progress). Returns the merged ranges (`A1:D1`) the sheet declares.
    package static func read(_ workbook: Workbook, sheet: WorkbookSheet, dateForm: DateTimeForm?, into sink: any SheetRowSink,
                             inflated: (Int) -> Void = { _ in }) throws -> [String] {
        let handler = SheetHandler(strings: try workbook.sharedStrings(), dateStyles: workbook.dateStyles,
                                   date1904: workbook.date1904, dateForm: dateForm, sink: sink)
        let xml = XMLStream(handler: handler)
        var total = 0
        do {
            try workbook.stream(part: sheet.part) { bytes in
                try xml.feed(bytes)
                if let failure = handler.failure { throw failure }
                total += bytes.count
                inflated(total)
            }
            try xml.finish()
            if let failure = handler.failure { throw failure }
        } catch let e as XMLStreamError {
            throw WorkbookError("sheet '\(sheet.name)': \(e); the workbook is damaged", damage: true)
        }
        return handler.merges
    }
}

/// The worksheet part's SAX handler. Errors (including the sink's) are kept in `failure` and
/// end the parse at the next piece: they cannot cross libxml2's C frames.
private final class SheetHandler: XMLEventHandler {
    let strings: SharedStrings
    let dateStyles: [Bool]
    let date1904: Bool
    let dateForm: DateTimeForm?
    let sink: any SheetRowSink
    @exclusivity(unchecked) var failure: (any Error)?
    @exclusivity(unchecked) var merges: [String] = []

    // Exclusivity unchecked at run time (called for every element of the sheet): one thread
    // owns this object, and no access overlaps another.
    @exclusivity(unchecked) private var rowNumber = 0
    @exclusivity(unchecked) private var cells: [SheetCell] = []
    @exclusivity(unchecked) private var bytes: [UInt8] = []
    @exclusivity(unchecked) private var column = -1
    @exclusivity(unchecked) private var type = CellType.number
    @exclusivity(unchecked) private var style = 0
    /// Where the text being collected (a `v`, or an inline string's `t`) goes.
    @exclusivity(unchecked) private var collecting = false
    @exclusivity(unchecked) private var inInline = false
    @exclusivity(unchecked) private var phoneticDepth = 0
    @exclusivity(unchecked) private var value: [UInt8] = []

    private enum CellType { case number, shared, inline, formulaString, boolean, error, isoDate }

    init(strings: SharedStrings, dateStyles: [Bool], date1904: Bool, dateForm: DateTimeForm?, sink: any SheetRowSink) {
        (self.strings, self.dateStyles, self.date1904, self.dateForm, self.sink) = (strings, dateStyles, date1904, dateForm, sink)
    }

    func start(_ name: XMLName, _ attributes: XMLAttributes) {
        guard failure == nil else { return }
        if name.is("c") {
            column = attributes.value("r").flatMap(SheetHandler.column(of:)) ?? column + 1
            type = SheetHandler.cellType(attributes.value("t"))
            style = attributes.value("s").flatMap(SheetHandler.integer) ?? 0
            value.removeAll(keepingCapacity: true)
            inInline = false
        } else if name.is("v") {
            collecting = true
        } else if name.is("is") {
            inInline = true
        } else if name.is("t") {
            collecting = inInline && phoneticDepth == 0
        } else if name.is("rPh") {
            phoneticDepth += 1
        } else if name.is("row") {
            let n = attributes.value("r").flatMap(SheetHandler.integer) ?? rowNumber + 1
            if n <= rowNumber {
                failure = WorkbookError("row \(n) comes after row \(rowNumber); the sheet's rows are out of order", damage: true)
                return
            }
            // Rows are lines of the text read: a row number past Excel's last row would be
            // millions of blank lines (or, from a hostile file, terabytes).
            if n > SheetReader.maxRows {
                failure = WorkbookError("row \(n) is past Excel's last row (\(SheetReader.maxRows))", damage: true)
                return
            }
            rowNumber = n
            cells.removeAll(keepingCapacity: true)
            bytes.removeAll(keepingCapacity: true)
            column = -1
        } else if name.is("mergeCell"), let ref = attributes.string("ref") {
            merges.append(ref)
        }
    }

    func end(_ name: XMLName) {
        guard failure == nil else { return }
        if name.is("v") || name.is("t") {
            collecting = false
        } else if name.is("rPh") {
            phoneticDepth -= 1
        } else if name.is("c") {
            finishCell()
        } else if name.is("row") {
            guard !cells.isEmpty else { return }
            do {
                try cells.withUnsafeBufferPointer { c in
                    try bytes.withUnsafeBufferPointer { b in try sink.row(rowNumber, SheetRow(cells: c, bytes: b)) }
                }
            } catch {
                failure = error
            }
        }
    }

    func text(_ text: UnsafeBufferPointer<UInt8>) {
        if collecting && failure == nil { value.append(contentsOf: text) }
    }

    /// Appends the cell's text to the row (cells without a value are left out).
    private func finishCell() {
        let start = bytes.count
        switch type {
        case .shared:
            guard let index = value.withUnsafeBufferPointer({ SheetHandler.integer($0) }),
                  strings.withString(index, { bytes.append(contentsOf: $0) }) != nil else {
                failure = WorkbookError("a cell refers to shared string \(String(decoding: value, as: UTF8.self)), which the workbook does not have", damage: true)
                return
            }
        case .boolean:
            bytes.append(contentsOf: value == [0x31] ? Array("TRUE".utf8) : value == [0x30] ? Array("FALSE".utf8) : value)
        case .number:
            if style < dateStyles.count, dateStyles[style], !value.isEmpty,
               let serial = Double(String(decoding: value, as: UTF8.self)),
               let text = ExcelDate.text(serial: serial, date1904: date1904, form: dateForm) {
                bytes.append(contentsOf: text.utf8)
            } else {
                bytes.append(contentsOf: value)
            }
        case .inline, .formulaString, .error, .isoDate:
            bytes.append(contentsOf: value)
        }
        if bytes.count > start || type == .inline || type == .shared {
            cells.append(SheetCell(column: column, start: start, end: bytes.count))
        }
    }

    private static func cellType(_ t: UnsafeBufferPointer<UInt8>?) -> CellType {
        guard let t else { return .number }
        switch String(decoding: t, as: UTF8.self) {
        case "s": return .shared
        case "inlineStr": return .inline
        case "str": return .formulaString
        case "b": return .boolean
        case "e": return .error
        case "d": return .isoDate
        default: return .number
        }
    }

    /// `BC12` → 54 (0-based column of a cell reference).
    private static func column(of ref: UnsafeBufferPointer<UInt8>) -> Int? {
        var n = 0, letters = 0
        for b in ref {
            let upper = b & 0xDF
            guard upper >= 0x41 && upper <= 0x5A else { break }
            n = n * 26 + Int(upper - 0x40)
            letters += 1
            if letters > 3 { return nil }
        }
        return letters == 0 ? nil : n - 1
    }

    private static func integer(_ digits: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !digits.isEmpty, digits.count <= 18 else { return nil }
        var n = 0
        for b in digits {
            guard b >= 0x30 && b <= 0x39 else { return nil }
            n = n * 10 + Int(b - 0x30)
        }
        return n
    }
}
