// bieu-ii06a.xlsx: Biểu số II.06a/VPCP/KSTT laid out as the official form, one sheet per
// reporting unit and period, ready to print on A4 landscape and sign — the form's header
// block, the grouped headings over columns (1)–(11) (the columns of bieu-ii06a.csv), a row per
// lĩnh vực and `Tổng cộng`, then the signature block. Written with libxlsxwriter; the
// document's creation time is the end of the last period, so the same inputs give the same bytes.
import MotcuaFoundation
import MotcuaReading
import MotcuaAggregate
import CXlsxWriter
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

package enum FormII06aWorkbook {
    static let formName = "Biểu số II.06a/VPCP/KSTT"
    static let issuedBy = "Ban hành theo Thông tư số 01/2020/TT-VPCP ngày 21/10/2020"
    static let title = "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC"

    /// The grouped headings over the columns A (STT), B (lĩnh vực) and C–M ((1)–(11)), as
    /// merged ranges of the four heading rows: (first row, first column, last row, last column, text).
    static let headings: [(Int, Int, Int, Int, String)] = [
        (0, 0, 3, 0, "STT"),
        (0, 1, 3, 1, "Lĩnh vực, công việc giải quyết theo cấp"),
        (0, 2, 0, 5, "Số hồ sơ nhận giải quyết"),
        (1, 2, 3, 2, "Tổng số"),
        (1, 3, 1, 5, "Trong đó"),
        (2, 3, 2, 4, "Trong kỳ"),
        (3, 3, 3, 3, "Trực tuyến"),
        (3, 4, 3, 4, "Trực tiếp, dịch vụ bưu chính"),
        (2, 5, 3, 5, "Từ kỳ trước"),
        (0, 6, 0, 9, "Số hồ sơ đã giải quyết"),
        (1, 6, 3, 6, "Tổng số"),
        (1, 7, 3, 7, "Trước hạn"),
        (1, 8, 3, 8, "Đúng hạn"),
        (1, 9, 3, 9, "Quá hạn"),
        (0, 10, 0, 12, "Số hồ sơ đang giải quyết"),
        (1, 10, 3, 10, "Tổng số"),
        (1, 11, 3, 11, "Trong hạn"),
        (1, 12, 3, 12, "Quá hạn"),
    ]
    /// Column widths (characters): STT, lĩnh vực, then the eleven numbers.
    static let widths: [Double] = [6, 36] + [Double](repeating: 11, count: 11)
    /// Where the parts of a sheet begin (0-based rows).
    static let headingRow = 6, numberingRow = 10, firstDataRow = 11

    /// Writes the workbook at `path`, fsynced. Throws `OutputError` (exit 74 upstream), and
    /// `Interrupted` when `isCancelled` says so — asked before each sheet and, while
    /// libxlsxwriter packs them all into the file, every 10 ms — leaving no file behind.
    package static func write(_ rows: [CounterRow], periods: [Period], units: UnitModel,
                              sectorNames: [String: String], to path: String, isCancelled: () -> Bool = { false }) throws {
        guard let workbook = workbook_new(path) else {
            throw OutputError(kind: .io, message: "\(path): libxlsxwriter cannot create the workbook")
        }
        let book = Book(workbook)
        // Not the time of the run: the end of the last period (23:59:59 UTC of its last day).
        let lastDay = Int(periods.last?.to ?? 0)
        book.setProperties(created: time_t(max(1, (lastDay + 1) * 86_400 - 1)))

        let groups = unitPeriodGroups(rows)
        let names = sheetNames(groups.map { "\(units.units[rows[$0.lowerBound].unit].code) \(periods[rows[$0.lowerBound].period].label)" })
        for (group, name) in zip(groups, names) {
            if isCancelled() {
                // Nothing is on disk before workbook_close.
                freeLater(workbook)
                throw Interrupted()
            }
            let first = rows[group.lowerBound]
            book.sheet(name: name, unit: units.units[first.unit], parent: parentName(of: first.unit, units),
                       period: periods[first.period], scope: first.scope,
                       rows: group.map { (FormII06aOutput.rowName(rows[$0], sectorNames: sectorNames), rows[$0]) })
        }
        if groups.isEmpty { book.emptySheet() }
        let closed = try close(workbook, path: path, isCancelled: isCancelled)
        if let failure = book.failure ?? closed {
            unlink(path)
            throw OutputError(kind: .io, message: "\(path): cannot write the workbook: \(failure)")
        }
        try SyncedFile.sync(existing: path)
    }

    /// workbook_close packs every sheet into the file in one call that cannot be stopped (six
    /// seconds for 24,000 sheets), so it runs in a child process, polled every 10 ms: when
    /// `isCancelled` says so the child is killed and its file removed. The file is the one
    /// thing it creates, first: once it exists, the child is reaped off the run's path (tearing
    /// down its copy of a big address space takes a while); before that, waited for, so that
    /// the file cannot appear after its removal. This process frees its own copy of the
    /// workbook off the run's path too. Returns why the workbook could not be written, nil when it was.
    private static func close(_ workbook: UnsafeMutablePointer<lxw_workbook>, path: String,
                              isCancelled: () -> Bool) throws -> String? {
        unlink(path)   // so that its existence says the child made it
        let child = fork()
        if child == 0 { _exit(Int32(workbook_close(workbook).rawValue)) }
        guard child > 0 else {
            let closed = workbook_close(workbook)   // no child to be had: unstoppable, as before
            return closed == LXW_NO_ERROR ? nil : String(cString: lxw_strerror(closed))
        }
        defer { freeLater(workbook) }
        var status: Int32 = 0
        while true {
            let waited = waitpid(child, &status, WNOHANG)
            if waited == child { break }
            if waited < 0 && errno != EINTR { return "cannot wait for the workbook's writer: \(String(cString: strerror(errno)))" }
            if isCancelled() {
                let created = access(path, F_OK) == 0
                kill(child, SIGKILL)
                if created { reapLater(child) } else { while waitpid(child, &status, 0) < 0 && errno == EINTR {} }
                unlink(path)
                throw Interrupted()
            }
            usleep(10_000)
        }
        // Exited (low 7 bits 0) with an lxw_error, or ended by a signal.
        guard status & 0x7F == 0 else { return "its writer (process \(child)) ended by signal \(status & 0x7F)" }
        let closed = lxw_error(rawValue: UInt32((status >> 8) & 0xFF))
        return closed == LXW_NO_ERROR ? nil : String(cString: lxw_strerror(closed))
    }

    /// Waits for a killed child off the run's path.
    private static func reapLater(_ child: pid_t) {
        DispatchQueue.global(qos: .utility).async {
            var status: Int32 = 0
            while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        }
    }

    /// Frees this process's copy of a workbook off the run's path: freeing tens of thousands
    /// of sheets takes most of a second, longer than a signal may wait.
    private static func freeLater(_ workbook: UnsafeMutablePointer<lxw_workbook>) {
        let handed = HandedOver(workbook: workbook)
        DispatchQueue.global(qos: .utility).async { lxw_workbook_free(handed.workbook) }
    }

    /// Ranges of `rows` that share a period and unit (each begins with the unit's total row).
    static func unitPeriodGroups(_ rows: [CounterRow]) -> [Range<Int>] {
        var groups: [Range<Int>] = []
        var start = 0
        for i in rows.indices where i > 0 && (rows[i].period, rows[i].unit) != (rows[i - 1].period, rows[i - 1].unit) {
            groups.append(start..<i)
            start = i
        }
        if !rows.isEmpty { groups.append(start..<rows.count) }
        return groups
    }

    /// Sheet names Excel accepts, one per wanted name and all different: without `[]:*?/\`,
    /// no `'` first or last, at most 31 characters (cut at the end), unique regardless of
    /// case (a cut or repeated name gets `~2`, `~3`, …).
    static func sheetNames(_ wanted: [String]) -> [String] {
        var used = Set<String>()
        return wanted.map { w in
            var base = String(w.map { "[]:*?/\\".contains($0) ? "_" : $0 })
            if base.hasPrefix("'") { base = "_" + base.dropFirst() }
            if base.hasSuffix("'") { base = base.dropLast() + "_" }
            if base.isEmpty || base.lowercased() == "history" { base += "_" }
            var name = fit(base, suffix: ""), n = 1
            while used.contains(name.lowercased()) {
                n += 1
                name = fit(base, suffix: "~\(n)")
            }
            used.insert(name.lowercased())
            return name
        }
    }

    /// `base` cut so that it and `suffix` fit in 31 UTF-16 code units (Excel's limit).
    private static func fit(_ base: String, suffix: String) -> String {
        var s = Substring(base)
        while s.utf16.count + suffix.utf16.count > 31 { s = s.dropLast() }
        if s.hasSuffix("'") { s = s.dropLast() }
        return s + suffix
    }

    /// Đơn vị nhận báo cáo: the parent unit's name; for a province, the Government Office
    /// (Thông tư 01/2020); otherwise left to be filled in by hand.
    static func parentName(of unit: Int, _ units: UnitModel) -> String {
        let u = units.units[unit]
        if let p = units.indexByCode[u.parent] { return units.units[p].name.isEmpty ? u.parent : units.units[p].name }
        return u.tier == Tier.tinh.rawValue ? "Văn phòng Chính phủ" : String(repeating: ".", count: 40)
    }

    /// `Kỳ báo cáo` in words, from the period's label (`2024-03` → `Tháng 3 năm 2024`).
    static func periodName(_ p: Period) -> String {
        let parts = p.label.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        var name = p.label
        if parts[0].count == 4, let year = Int(parts[0]) {
            if parts.count == 1 {
                name = "Năm \(year)"
            } else if parts.count == 2, let m = Int(parts[1]), (1...12).contains(m) {
                name = "Tháng \(m) năm \(year)"
            } else if parts.count == 2, parts[1].hasPrefix("Q"), let q = Int(parts[1].dropFirst()), (1...4).contains(q) {
                name = "Quý \(["I", "II", "III", "IV"][q - 1]) năm \(year)"
            } else if parts.count == 2, parts[1] == "H1" || parts[1] == "H2" {
                name = "6 tháng \(parts[1] == "H1" ? "đầu" : "cuối") năm \(year)"
            } else if parts.count == 2, parts[1].hasPrefix("W"), let w = Int(parts[1].dropFirst()) {
                name = "Tuần \(w) năm \(year)"
            } else if parts.count == 3, !p.label.contains("..") {
                name = "Ngày \(vietnameseDay(p.from))"
            } else if p.label.contains("..") {
                name = "Từ ngày \(vietnameseDay(p.from)) đến ngày \(vietnameseDay(p.to))"
            }
        }
        return p.partial ? name + " (chưa hết kỳ)" : name
    }

    /// dd/MM/yyyy.
    static func vietnameseDay(_ day: Int32) -> String {
        let (y, m, d) = civilFromDays(Int(day))
        return "\(pad2(d))/\(pad2(m))/\(y)"
    }

    static func scopeText(_ scope: Scope) -> String {
        scope == .own ? "Phạm vi: hồ sơ của chính đơn vị"
            : "Phạm vi: hồ sơ của đơn vị và các đơn vị trực thuộc"
    }
}

// Unchecked: handed over whole, nothing else touches the workbook once it is given.
private struct HandedOver: @unchecked Sendable {
    let workbook: UnsafeMutablePointer<lxw_workbook>
}

/// One workbook being written: its cell formats, and the first error libxlsxwriter reported.
private final class Book {
    typealias Format = UnsafeMutablePointer<lxw_format>
    let workbook: UnsafeMutablePointer<lxw_workbook>
    var failure: String?
    var bold, italic, titleFormat, block, heading, numbering, stt, sector, number, totalLabel, totalNumber: Format?

    init(_ workbook: UnsafeMutablePointer<lxw_workbook>) {
        self.workbook = workbook
        func format(_ traits: String, align: lxw_format_alignments = LXW_ALIGN_LEFT, size: Double = 12) -> Format? {
            guard let f = workbook_add_format(workbook) else { return nil }
            format_set_font_name(f, "Times New Roman")
            format_set_font_size(f, size)
            format_set_align(f, UInt8(align.rawValue))
            format_set_align(f, UInt8((traits.contains("top") ? LXW_ALIGN_VERTICAL_TOP : LXW_ALIGN_VERTICAL_CENTER).rawValue))
            format_set_text_wrap(f)
            if traits.contains("bold") { format_set_bold(f) }
            if traits.contains("italic") { format_set_italic(f) }
            if traits.contains("border") { format_set_border(f, UInt8(LXW_BORDER_THIN.rawValue)) }
            // Thousands grouped as the reader's locale does (1.234 in Vietnamese); `_)` keeps a
            // space at the right border (LibreOffice ignores a right indent).
            if traits.contains("number") { format_set_num_format(f, "#,##0_)") }
            if traits.contains("indent") { format_set_indent(f, 1) }
            return f
        }
        bold = format("bold", align: LXW_ALIGN_CENTER)
        italic = format("italic", align: LXW_ALIGN_CENTER)
        titleFormat = format("bold", align: LXW_ALIGN_CENTER, size: 13)
        block = format("top")
        heading = format("bold border", align: LXW_ALIGN_CENTER)
        numbering = format("italic border", align: LXW_ALIGN_CENTER)
        stt = format("border", align: LXW_ALIGN_CENTER)
        sector = format("border indent")
        number = format("border number", align: LXW_ALIGN_RIGHT)
        totalLabel = format("bold border", align: LXW_ALIGN_CENTER)
        totalNumber = format("bold border number", align: LXW_ALIGN_RIGHT)
    }

    func check(_ e: lxw_error) {
        if e != LXW_NO_ERROR && failure == nil { failure = String(cString: lxw_strerror(e)) }
    }

    func setProperties(created: time_t) {
        let title = strdup(FormII06aWorkbook.formName), subject = strdup(FormII06aWorkbook.title)
        defer { free(title); free(subject) }
        var properties = lxw_doc_properties()
        properties.title = title
        properties.subject = subject
        properties.created = created
        check(workbook_set_properties(workbook, &properties))
    }

    func addSheet(_ name: String) -> Sheet? {
        guard let ws = workbook_add_worksheet(workbook, name) else {
            if failure == nil { failure = "cannot add the sheet '\(name)'" }
            return nil
        }
        let sheet = Sheet(ws: ws, book: self)
        sheet.layOut()
        return sheet
    }

    /// One unit's form for one period: `rows` are its total row, then a row per lĩnh vực.
    func sheet(name: String, unit: UnitInfo, parent: String, period: Period, scope: Scope,
               rows: [(name: String, row: CounterRow)]) {
        guard let sheet = addSheet(name) else { return }
        let unitLine = "Đơn vị báo cáo: " + (unit.name.isEmpty ? unit.code : unit.name)
        let parentLine = "Đơn vị nhận báo cáo: " + parent
        // Header block: the form (left, A–B), the title and period (centre, C–I), the units (right, J–M).
        sheet.text(0, 0, 0, 1, FormII06aWorkbook.formName, bold)
        sheet.text(1, 0, 2, 1, FormII06aWorkbook.issuedBy, italic)
        sheet.text(0, 2, 1, 8, FormII06aWorkbook.title, titleFormat)
        sheet.text(2, 2, 2, 8, "Kỳ báo cáo: " + FormII06aWorkbook.periodName(period), bold)
        sheet.text(3, 2, 3, 8, "(Từ ngày \(FormII06aWorkbook.vietnameseDay(period.from)) đến ngày \(FormII06aWorkbook.vietnameseDay(period.to)))", italic)
        sheet.text(4, 2, 4, 8, FormII06aWorkbook.scopeText(scope), italic)
        sheet.text(0, 9, 0, 12, unitLine, block)
        sheet.text(1, 9, 2, 12, parentLine, block)
        sheet.text(3, 9, 3, 12, "Đơn vị tính: Số hồ sơ TTHC", block)
        let right = FormII06aWorkbook.widths[9...].reduce(0, +)
        sheet.height(0, max(19, 16 * Double(Sheet.lines(unitLine, width: right)) + 3))
        sheet.height(1, max(19, 16 * Double(Sheet.lines(parentLine, width: right)) + 3 - 17))
        for r in 2...4 { sheet.height(r, 17) }
        sheet.height(5, 9)

        let top = FormII06aWorkbook.headingRow
        for (r0, c0, r1, c1, text) in FormII06aWorkbook.headings { sheet.text(top + r0, c0, top + r1, c1, text, heading) }
        for (r, h) in [22.0, 20, 20, 52].enumerated() { sheet.height(top + r, h) }
        sheet.string(FormII06aWorkbook.numberingRow, 0, "A", numbering)
        sheet.string(FormII06aWorkbook.numberingRow, 1, "B", numbering)
        for n in 1...11 { sheet.string(FormII06aWorkbook.numberingRow, n + 1, "(\(n))", numbering) }
        check(worksheet_repeat_rows(sheet.ws, UInt32(top), UInt32(FormII06aWorkbook.numberingRow)))

        // A row per lĩnh vực, numbered, then the total (the CSV form's first row). Heights are
        // set: LibreOffice does not fit a row to its wrapped text when it opens a file.
        var r = FormII06aWorkbook.firstDataRow
        for (i, item) in rows.dropFirst().enumerated() {
            sheet.number(r, 0, Double(i + 1), stt)
            sheet.string(r, 1, item.name, sector)
            sheet.values(r, item.row, number)
            sheet.height(r, 16 * Double(Sheet.lines(item.name, width: FormII06aWorkbook.widths[1])) + 3)
            r += 1
        }
        if let total = rows.first {
            sheet.string(r, 0, "", totalLabel)
            sheet.string(r, 1, total.name, totalLabel)
            sheet.values(r, total.row, totalNumber)
            sheet.height(r, 19)
            r += 1
        }

        // Signature block.
        r += 1
        sheet.text(r, 9, r, 12, "……, ngày …… tháng …… năm ……", italic)
        sheet.text(r + 1, 0, r + 1, 1, "Người lập biểu", bold)
        sheet.text(r + 2, 0, r + 2, 1, "(Ký, ghi rõ họ tên)", italic)
        sheet.text(r + 1, 9, r + 1, 12, "Thủ trưởng đơn vị", bold)
        sheet.text(r + 2, 9, r + 2, 12, "(Ký, đóng dấu, ghi rõ họ tên)", italic)
    }

    /// The one sheet of a workbook without units to report.
    func emptySheet() {
        guard let sheet = addSheet("II.06a") else { return }
        sheet.text(0, 0, 0, 1, FormII06aWorkbook.formName, bold)
        sheet.text(0, 2, 1, 8, FormII06aWorkbook.title, titleFormat)
        sheet.text(2, 2, 2, 8, "Không có đơn vị nào để báo cáo", italic)
        sheet.height(0, 19)
        sheet.height(1, 19)
    }
}

/// Writing into one worksheet (0-based rows and columns); errors go to the book.
private struct Sheet {
    let ws: UnsafeMutablePointer<lxw_worksheet>
    let book: Book

    /// A4 landscape, one page wide, centred; the column widths; the page number in the footer.
    func layOut() {
        worksheet_set_landscape(ws)
        worksheet_set_paper(ws, 9)   // A4
        worksheet_fit_to_pages(ws, 1, 0)
        worksheet_set_margins(ws, 0.5, 0.4, 0.6, 0.6)
        worksheet_center_horizontally(ws)
        book.check(worksheet_set_footer(ws, "&C&\"Times New Roman\"&10Trang &P/&N"))
        for (c, w) in FormII06aWorkbook.widths.enumerated() { book.check(worksheet_set_column(ws, UInt16(c), UInt16(c), w, nil)) }
    }

    /// Text over a range of cells, merged when it spans more than one.
    func text(_ r0: Int, _ c0: Int, _ r1: Int, _ c1: Int, _ s: String, _ f: Book.Format?) {
        if r0 == r1 && c0 == c1 { return string(r0, c0, s, f) }
        book.check(worksheet_merge_range(ws, UInt32(r0), UInt16(c0), UInt32(r1), UInt16(c1), Sheet.fitting(s), f))
    }

    func string(_ r: Int, _ c: Int, _ s: String, _ f: Book.Format?) {
        book.check(worksheet_write_string(ws, UInt32(r), UInt16(c), Sheet.fitting(s), f))
    }

    /// `s` cut to the 32,767 characters a cell holds (a name from a hostile export must not fail the run).
    static func fitting(_ s: String) -> String {
        s.unicodeScalars.count <= 32_767 ? s : String(String.UnicodeScalarView(s.unicodeScalars.prefix(32_767)))
    }

    func number(_ r: Int, _ c: Int, _ v: Double, _ f: Book.Format?) {
        book.check(worksheet_write_number(ws, UInt32(r), UInt16(c), v, f))
    }

    /// Columns (1)–(11) of a counter row, as numbers.
    func values(_ r: Int, _ row: CounterRow, _ f: Book.Format?) {
        for (i, index) in FormII06aOutput.valueIndices.enumerated() { number(r, i + 2, Double(row.values[index]), f) }
    }

    func height(_ r: Int, _ points: Double) {
        book.check(worksheet_set_row(ws, UInt32(r), points, nil))
    }

    /// About how many lines `s` takes in `width` (in Excel's character widths, less the indent):
    /// a letter of Times New Roman 12 is about 0.8 of one.
    static func lines(_ s: String, width: Double) -> Int {
        max(1, Int((Double(s.count) * 0.8 / (width - 1.5)).rounded(.up)))
    }
}
