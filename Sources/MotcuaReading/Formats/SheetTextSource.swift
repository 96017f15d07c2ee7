// A workbook's sheet as the text the CSV decoding reads: the header row and every data row
// as one CSV line each, row n of the sheet on line n (rows above the header and rows with no
// value in a mapped column are blank lines), so rejects name the row Excel shows. The sheet
// inflates and parses on a thread of its own, a few blocks ahead of the chunker.
import MotcuaFoundation
import MotcuaWorkbook
import Foundation

package final class SheetTextSource: ByteSource {
    static let delimiter = UInt8(ascii: ",")
    /// Rows searched for the header when `header_row` is not given.
    static let headerSearchRows = 100

    package let compressedBytes: Int
    /// Estimated by the share of the sheet inflated so far (the zip library does not say).
    package var compressedOffset: Int {
        let (inflated, total) = pipe.progress
        return total > 0 ? min(compressedBytes, Int(Double(compressedBytes) * Double(inflated) / Double(total))) : 0
    }
    package var isGzip: Bool { false }
    package var membersCompleted: Int { 0 }
    package var warnings: [String] { pipe.warnings }
    /// The sheet read, and the row its header was found on (once the text has been read).
    package private(set) var sheetName: String?
    package var headerRow: Int? { pipe.headerRow }

    private let pipe = TextPipe()
    private var block: [UInt8] = []
    private var blockOffset = 0
    private let finished = DispatchSemaphore(value: 0)
    private var started = false

    /// Opens the workbook and starts reading `spec.sheet` (or the first visible sheet). A file
    /// that is no workbook, or lacks the sheet, fails here; a damaged one at the first read.
    package init(path: String, name: String, spec: InputSpec) throws {
        var st = stat()
        compressedBytes = stat(path, &st) == 0 ? Int(st.st_size) : 0
        let workbook: Workbook, sheet: WorkbookSheet
        do {
            workbook = try Workbook(path: path, name: name)
            sheet = try workbook.sheet(named: spec.sheet)
        } catch let e as WorkbookError where e.isDamage {
            pipe.fail(CorruptInput(offset: compressedBytes, reason: e.message))
            return
        } catch let e as WorkbookError {
            throw MotcuaError(.data, e.message)
        }
        sheetName = sheet.name
        let writer = SheetCSVWriter(pipe: pipe, file: name, sheet: sheet.name, columns: spec.columns, headerRow: spec.headerRow)
        let job = SheetJob(workbook: workbook, sheet: sheet, dateForm: spec.dateForm, writer: writer, pipe: pipe,
                           finished: finished, inflatedTotal: workbook.sizes(of: sheet.part).inflated,
                           compressedBytes: compressedBytes)
        started = true
        Thread { job.run() }.start()
    }

    deinit {
        // A reader that stops early (an error, an interrupt) stops the sheet's thread too.
        pipe.cancel()
        if started { finished.wait() }
    }

    package func read(into out: UnsafeMutableRawBufferPointer) throws -> Int {
        guard out.count > 0 else { return 0 }
        if blockOffset == block.count {
            guard let next = try pipe.pop() else { return 0 }
            block = next
            blockOffset = 0
        }
        let n = min(out.count, block.count - blockOffset)
        block.withUnsafeBytes { out.baseAddress!.copyMemory(from: $0.baseAddress! + blockOffset, byteCount: n) }
        blockOffset += n
        return n
    }
}

/// The sheet's thread: parse, write lines, and end the pipe with the outcome.
// Unchecked: made on the reading thread and then used only by the sheet's thread; what it
// shares with the reader (the pipe) is locked.
private final class SheetJob: @unchecked Sendable {
    let workbook: Workbook, sheet: WorkbookSheet, dateForm: DateTimeForm?
    let writer: SheetCSVWriter, pipe: TextPipe, finished: DispatchSemaphore, inflatedTotal: Int, compressedBytes: Int

    init(workbook: Workbook, sheet: WorkbookSheet, dateForm: DateTimeForm?, writer: SheetCSVWriter, pipe: TextPipe,
         finished: DispatchSemaphore, inflatedTotal: Int, compressedBytes: Int) {
        (self.workbook, self.sheet, self.dateForm, self.writer, self.pipe, self.finished, self.inflatedTotal, self.compressedBytes) =
            (workbook, sheet, dateForm, writer, pipe, finished, inflatedTotal, compressedBytes)
    }

    func run() {
        defer { finished.signal() }
        do {
            let merges = try SheetReader.read(workbook, sheet: sheet, dateForm: dateForm, into: writer) { inflated in
                self.pipe.setProgress(inflated, of: self.inflatedTotal)
            }
            try writer.finish(merges: merges)
            pipe.close()
        } catch let e as WorkbookError where e.isDamage {
            // What was written before the damage stays readable (whole lines only): salvage keeps it.
            writer.flush()
            let (inflated, total) = pipe.progress
            let offset = total > 0 ? Int(Double(compressedBytes) * Double(min(inflated, total)) / Double(total)) : compressedBytes
            pipe.fail(CorruptInput(offset: offset, reason: e.message))
        } catch let e as WorkbookError {
            pipe.fail(MotcuaError(.data, e.message))
        } catch {
            pipe.fail(error)
        }
    }
}

/// Rows in, CSV lines out: finds the header, then writes each row with a value in a mapped
/// column as one line, padded to the header's width, at the line of its row number.
private final class SheetCSVWriter: SheetRowSink {
    let pipe: TextPipe
    /// The file and sheet as warnings name them.
    let place: String
    let wantedNames: Set<String>
    let headerRow: Int?
    // Exclusivity unchecked at run time (called for every row): only the sheet's thread uses it.
    @exclusivity(unchecked) private var out: [UInt8] = []
    /// Lines written so far (the next line is `linesWritten + 1`).
    @exclusivity(unchecked) private var linesWritten = 0
    /// Rows read before the header was found: their numbers and texts by column.
    @exclusivity(unchecked) private var pending: [(number: Int, cells: [Int: String])] = []
    @exclusivity(unchecked) private var header: (number: Int, width: Int)?
    /// Columns whose header names a field: a row without a value in any of them is blank.
    @exclusivity(unchecked) private var mapped: [Bool] = []
    @exclusivity(unchecked) private var slots: [Int] = []
    @exclusivity(unchecked) private var headerWarnings: [String] = []

    init(pipe: TextPipe, file: String, sheet: String, columns: [String: String], headerRow: Int?) {
        self.pipe = pipe
        place = "\(file): sheet '\(sheet)'"
        wantedNames = CSVLayout.headerNames(overrides: columns)
        self.headerRow = headerRow
    }

    func row(_ number: Int, _ row: SheetRow) throws {
        if header != nil { return try write(number, row) }
        let cells = Dictionary(row.cells.map { ($0.column, String(decoding: row.text($0), as: UTF8.self)) },
                               uniquingKeysWith: { _, last in last })
        if let h = headerRow {
            if number < h { return }
            if number > h { setHeader(h, [:]); headerWarnings.append("\(place): header_row \(h) is empty") }
            else { return setHeader(number, cells) }
            return try write(number, row)
        }
        if matches(cells) >= 2 { return setHeader(number, cells) }
        pending.append((number, cells))
        if pending.count >= SheetTextSource.headerSearchRows { try settleWithoutHeader() }
    }

    /// End of the sheet: a header never found, and merged ranges the rows below it only partly see.
    func finish(merges: [String]) throws {
        if header == nil && !pending.isEmpty { try settleWithoutHeader() }
        if header == nil, let h = headerRow { headerWarnings.append("\(place): header_row \(h) is past the sheet's last row; nothing is read") }
        flush()
        if let h = header {
            for ref in merges {
                guard let r = MergedRange(ref), r.lastRow > r.firstRow, r.lastRow > h.number,
                      (r.firstColumn...r.lastColumn).contains(where: { $0 < mapped.count && mapped[$0] }) else { continue }
                headerWarnings.append("\(place): cells \(ref) are merged below the header; only row \(r.firstRow) holds their value, the other rows read that column as empty")
            }
        }
        pipe.addWarnings(headerWarnings)
    }

    func flush() {
        if !out.isEmpty { pipe.push(out); out = [] }
    }

    private func matches(_ cells: [Int: String]) -> Int {
        cells.values.filter { wantedNames.contains(CSVLayout.headerKey($0)) }.count
    }

    /// No row among the first ones names two mapped columns: the first row is the header (the
    /// file's header warnings then say which columns are missing).
    private func settleWithoutHeader() throws {
        let rows = pending
        pending = []
        guard let first = rows.first else { return }
        headerWarnings.append("\(place): no row among the first \(SheetTextSource.headerSearchRows) names two of the input's columns; row \(first.number) is read as the header (set header_row if it is another)")
        setHeader(first.number, first.cells)
        for r in rows.dropFirst() {
            let cells = r.cells.sorted { $0.key < $1.key }
            var bytes: [UInt8] = []
            var list: [SheetCell] = []
            for (c, t) in cells {
                list.append(SheetCell(column: c, start: bytes.count, end: bytes.count + t.utf8.count))
                bytes.append(contentsOf: t.utf8)
            }
            try list.withUnsafeBufferPointer { l in
                try bytes.withUnsafeBufferPointer { b in try write(r.number, SheetRow(cells: l, bytes: b)) }
            }
        }
    }

    /// Writes the header line (whitespace inside a heading folded to one space, so a heading
    /// wrapped in its cell still names its column).
    private func setHeader(_ number: Int, _ cells: [Int: String]) {
        let width = min((cells.keys.max() ?? -1) + 1, 16_384)
        header = (number, width)
        pipe.headerRow = number
        mapped = (0..<width).map { wantedNames.contains(CSVLayout.headerKey(cells[$0] ?? "")) }
        slots = [Int](repeating: -1, count: width)
        pending = []
        padLines(to: number)
        if width == 0 { out.append(contentsOf: [0x22, 0x22]) }
        for c in 0..<width {
            if c > 0 { out.append(SheetTextSource.delimiter) }
            appendCell(Array(CSVLayout.foldSpaces(cells[c] ?? "").utf8))
        }
        out.append(0x0A)
        linesWritten = number
    }

    private func write(_ number: Int, _ row: SheetRow) throws {
        guard let h = header else { return }
        for i in slots.indices { slots[i] = -1 }
        var hasValue = false
        for (i, cell) in row.cells.enumerated() where cell.column < h.width {
            slots[cell.column] = i
            if mapped[cell.column] && !isBlank(row.text(cell)) { hasValue = true }
        }
        guard hasValue else { return }
        padLines(to: number)
        for c in 0..<h.width {
            if c > 0 { out.append(SheetTextSource.delimiter) }
            if slots[c] >= 0 { appendCell(row.text(row.cells[slots[c]])) }
        }
        out.append(0x0A)
        linesWritten = number
        if out.count >= TextPipe.blockBytes { try pipe.pushWaiting(out); out.removeAll(keepingCapacity: true) }
    }

    /// Blank lines up to the line before `number`.
    private func padLines(to number: Int) {
        if number - 1 > linesWritten { out.append(contentsOf: repeatElement(0x0A, count: number - 1 - linesWritten)) }
    }

    /// A cell as RFC 4180 text: quoted when it holds a quote, the delimiter or a line break.
    private func appendCell<C: Collection<UInt8>>(_ text: C) {
        if text.contains(where: { $0 == 0x22 || $0 == SheetTextSource.delimiter || $0 == 0x0A || $0 == 0x0D }) {
            out.append(0x22)
            for b in text {
                if b == 0x22 { out.append(0x22) }
                out.append(b)
            }
            out.append(0x22)
        } else {
            out.append(contentsOf: text)
        }
    }

    private func isBlank(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        text.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
    }

}

/// `B5:D9` as rows and 0-based columns.
private struct MergedRange {
    let firstRow, lastRow, firstColumn, lastColumn: Int

    init?(_ ref: String) {
        let ends = ref.split(separator: ":")
        guard ends.count == 2, let a = MergedRange.cell(ends[0]), let b = MergedRange.cell(ends[1]) else { return nil }
        (firstRow, lastRow, firstColumn, lastColumn) = (min(a.row, b.row), max(a.row, b.row), min(a.column, b.column), max(a.column, b.column))
    }

    private static func cell(_ s: Substring) -> (row: Int, column: Int)? {
        let letters = s.prefix { $0.isASCII && $0.isLetter }
        guard !letters.isEmpty, letters.count <= 3, let row = Int(s.dropFirst(letters.count)) else { return nil }
        let column = letters.uppercased().unicodeScalars.reduce(0) { $0 * 26 + Int($1.value) - 64 } - 1
        return (row, column)
    }
}

/// Blocks of text from the sheet's thread to the reader, at most `capacity` ahead; the end,
/// a failure, or the reader's cancellation travel the same way.
// Unchecked: every stored var is read and written only while holding `condition`.
private final class TextPipe: @unchecked Sendable {
    static let blockBytes = 1 << 20
    static let capacity = 4
    private let condition = NSCondition()
    private var blocks: [[UInt8]] = []
    private var closed = false
    private var cancelled = false
    private var failure: (any Error)?
    private var inflated = 0, inflatedTotal = 0
    private var noted: [String] = []
    private var foundHeaderRow: Int?

    var headerRow: Int? {
        get { condition.lock(); defer { condition.unlock() }; return foundHeaderRow }
        set { condition.lock(); foundHeaderRow = newValue; condition.unlock() }
    }

    /// The reader's side: the next block, nil at the end, or the sheet's failure.
    func pop() throws -> [UInt8]? {
        condition.lock()
        defer { condition.unlock() }
        while blocks.isEmpty && !closed { condition.wait() }
        if !blocks.isEmpty {
            condition.broadcast()
            return blocks.removeFirst()
        }
        if let failure { throw failure }
        return nil
    }

    /// Hands a block over, waiting while the reader is `capacity` blocks behind.
    func pushWaiting(_ block: [UInt8]) throws {
        condition.lock()
        defer { condition.unlock() }
        while blocks.count >= TextPipe.capacity && !cancelled { condition.wait() }
        if cancelled { throw Interrupted() }
        blocks.append(block)
        condition.broadcast()
    }

    /// Hands the last block over (the reader is still there to take it, or has gone).
    func push(_ block: [UInt8]) {
        condition.lock()
        if !cancelled { blocks.append(block) }
        condition.broadcast()
        condition.unlock()
    }

    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    func fail(_ error: any Error) {
        condition.lock()
        failure = error
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    func setProgress(_ done: Int, of total: Int) {
        condition.lock()
        (inflated, inflatedTotal) = (done, total)
        condition.unlock()
    }

    var progress: (Int, Int) {
        condition.lock()
        defer { condition.unlock() }
        return (inflated, inflatedTotal)
    }

    func addWarnings(_ w: [String]) {
        condition.lock()
        noted += w
        condition.unlock()
    }

    var warnings: [String] {
        condition.lock()
        defer { condition.unlock() }
        return noted
    }
}
