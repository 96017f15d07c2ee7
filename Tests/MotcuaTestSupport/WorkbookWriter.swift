// Test workbooks made by the tests themselves: a minimal but faithful .xlsx writer (the
// parts Excel writes — content types, relationships, workbook, styles, shared strings,
// worksheets), independent of the reader under test. Cells can be shared or inline strings,
// numbers, serial dates in a date style, booleans, formula strings or errors; sheets can
// have title rows, merged ranges, gaps and hidden sheets.
import Foundation
import ZIPFoundation

package enum XCell {
    case text(String)
    case inline(String)
    case number(String)
    /// A serial date shown with built-in format 14 (`m/d/yyyy`) or a custom date-time format.
    case date(Double, withTime: Bool)
    case bool(Bool)
    case formulaText(String)
    case error(String)
    /// A string cell in the custom text style (`@`), as a template's pre-formatted column.
    case styledEmpty
}

package struct XSheet {
    package var name: String
    package var hidden = false
    /// Rows by their 1-based number; each row's cells by 0-based column.
    package var rows: [(number: Int, cells: [(column: Int, cell: XCell)])] = []
    package var merges: [String] = []

    package init(name: String) { self.name = name }

    /// Appends a row of consecutive cells from column A (nil leaves a cell out).
    package mutating func add(row number: Int, _ cells: [XCell?]) {
        rows.append((number, cells.enumerated().compactMap { i, c in c.map { (i, $0) } }))
    }
}

package enum WorkbookWriter {
    /// Writes `sheets` as an .xlsx file; `date1904` switches the date system.
    package static func write(_ sheets: [XSheet], to url: URL, date1904: Bool = false, compress: Bool = true) throws {
        try? FileManager.default.removeItem(at: url)
        let archive = try Archive(url: url, accessMode: .create)
        var strings: [String] = []
        var index: [String: Int] = [:]
        func shared(_ s: String) -> Int {
            if let i = index[s] { return i }
            index[s] = strings.count
            strings.append(s)
            return strings.count - 1
        }
        var sheetXML: [String] = []
        for sheet in sheets {
            var x = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
            x += #"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheetData>"#
            for row in sheet.rows {
                x += #"<row r="\#(row.number)">"#
                for (col, cell) in row.cells {
                    let ref = columnName(col) + String(row.number)
                    switch cell {
                    case .text(let s): x += #"<c r="\#(ref)" t="s"><v>\#(shared(s))</v></c>"#
                    case .inline(let s): x += #"<c r="\#(ref)" t="inlineStr"><is><t xml:space="preserve">\#(escape(s))</t></is></c>"#
                    case .number(let n): x += #"<c r="\#(ref)"><v>\#(n)</v></c>"#
                    case .date(let serial, let withTime): x += #"<c r="\#(ref)" s="\#(withTime ? 2 : 1)"><v>\#(serial)</v></c>"#
                    case .bool(let b): x += #"<c r="\#(ref)" t="b"><v>\#(b ? 1 : 0)</v></c>"#
                    case .formulaText(let s): x += #"<c r="\#(ref)" t="str"><f>CONCAT("\#(escape(s))")</f><v>\#(escape(s))</v></c>"#
                    case .error(let e): x += #"<c r="\#(ref)" t="e"><v>\#(escape(e))</v></c>"#
                    case .styledEmpty: x += #"<c r="\#(ref)" s="3"/>"#
                    }
                }
                x += "</row>"
            }
            x += "</sheetData>"
            if !sheet.merges.isEmpty {
                x += #"<mergeCells count="\#(sheet.merges.count)">"# + sheet.merges.map { #"<mergeCell ref="\#($0)"/>"# }.joined() + "</mergeCells>"
            }
            x += #"<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>"#
            sheetXML.append(x)
        }
        var sst = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        sst += #"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="\#(strings.count)" uniqueCount="\#(strings.count)">"#
        for s in strings { sst += #"<si><t xml:space="preserve">\#(escape(s))</t></si>"# }
        sst += "</sst>"

        let ns = "http://schemas.openxmlformats.org"
        var parts: [(String, String)] = []
        parts.append(("[Content_Types].xml", #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="\#(ns)/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#
            + sheets.indices.map { #"<Override PartName="/xl/worksheets/sheet\#($0 + 1).xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"# }.joined()
            + #"<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#))
        parts.append(("_rels/.rels", #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="\#(ns)/package/2006/relationships"><Relationship Id="rId1" Type="\#(ns)/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#))
        parts.append(("xl/workbook.xml", #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="\#(ns)/spreadsheetml/2006/main" xmlns:r="\#(ns)/officeDocument/2006/relationships"><workbookPr\#(date1904 ? #" date1904="1""# : "")/><sheets>"#
            + sheets.enumerated().map { i, s in #"<sheet name="\#(escape(s.name))" sheetId="\#(i + 1)"\#(s.hidden ? #" state="hidden""# : "") r:id="rId\#(i + 1)"/>"# }.joined()
            + "</sheets></workbook>"))
        parts.append(("xl/_rels/workbook.xml.rels", #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="\#(ns)/package/2006/relationships">"#
            + sheets.indices.map { #"<Relationship Id="rId\#($0 + 1)" Type="\#(ns)/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet\#($0 + 1).xml"/>"# }.joined()
            + #"<Relationship Id="rId\#(sheets.count + 1)" Type="\#(ns)/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId\#(sheets.count + 2)" Type="\#(ns)/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#))
        parts.append(("xl/styles.xml", #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="\#(ns)/spreadsheetml/2006/main"><numFmts count="2"><numFmt numFmtId="164" formatCode="dd/mm/yyyy\ hh:mm:ss"/><numFmt numFmtId="165" formatCode="@"/></numFmts><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>"#))
        for (i, x) in sheetXML.enumerated() { parts.append(("xl/worksheets/sheet\(i + 1).xml", x)) }
        parts.append(("xl/sharedStrings.xml", sst))
        for (path, text) in parts {
            let data = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count),
                                 compressionMethod: compress ? .deflate : .none) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
    }

    /// 0 → A, 26 → AA.
    package static func columnName(_ index: Int) -> String {
        var n = index + 1
        var s = ""
        while n > 0 {
            let r = (n - 1) % 26
            s = String(UnicodeScalar(UInt8(65 + r))) + s
            n = (n - 1) / 26
        }
        return s
    }

    /// Excel's 1900-system serial of a local date-time.
    package static func serial(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) -> Double {
        var c = DateComponents()
        (c.year, c.month, c.day) = (1899, 12, 30)
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let epoch = cal.date(from: c)!
        (c.year, c.month, c.day, c.hour, c.minute, c.second) = (year, month, day, hour, minute, second)
        return cal.date(from: c)!.timeIntervalSince(epoch) / 86_400
    }

    private static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

/// RFC 4180 rows of a CSV text (quotes, doubled quotes, line breaks inside quotes).
package func parseCSV(_ text: String, delimiter: Character = ",") -> [[String]] {
    parseCSVRecords(text, delimiter: delimiter).map(\.fields)
}

/// The records of a CSV text, each with the 1-based line it starts on.
package func parseCSVRecords(_ text: String, delimiter: Character = ",") -> [(line: Int, fields: [String])] {
    var rows: [(line: Int, fields: [String])] = [], row: [String] = [], field = ""
    var quoted = false, afterQuote = false
    var line = 1, start = 1
    for ch in text {
        if ch == "\n" || ch == "\r\n" { line += 1 }
        if quoted {
            if ch == "\"" { quoted = false; afterQuote = true } else { field.append(ch) }
            continue
        }
        switch ch {
        case "\"" where afterQuote: field.append("\""); quoted = true; afterQuote = false
        case "\"" where field.isEmpty: quoted = true
        case delimiter: row.append(field); field = ""; afterQuote = false
        case "\n", "\r\n":
            row.append(field); rows.append((start, row)); row = []; field = ""; afterQuote = false
            start = line
        default: field.append(ch); afterQuote = false
        }
    }
    if !field.isEmpty || !row.isEmpty { row.append(field); rows.append((start, row)) }
    return rows
}
