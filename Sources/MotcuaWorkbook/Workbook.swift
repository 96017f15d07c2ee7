// An Excel workbook (.xlsx, Office Open XML) opened for reading: what kind of file it really
// is (a legacy .xls, an OpenDocument or a plain zip each get an error saying what to do), its
// sheets in tab order, which cell styles are dates, the 1900/1904 date system, the shared
// strings, and any part streamed as it inflates.
import MotcuaFoundation
import Foundation
import ZIPFoundation
import CZlibSystem

/// A file that cannot be read as a workbook: what it is and what to do (naming the file), or
/// — for damage — what is broken (the caller names the file).
package struct WorkbookError: Error, CustomStringConvertible {
    package let message: String
    /// True when the workbook is damaged (a bad checksum, broken XML, a truncated zip), as
    /// opposed to a file of another kind or a sheet that is not there.
    package let isDamage: Bool
    package init(_ message: String, damage: Bool = false) {
        self.message = message
        isDamage = damage
    }
    package var description: String { message }
}

/// What the first bytes of a file say it is.
package enum FileSignature {
    case zip, ole2, other

    package init(_ head: some Collection<UInt8>) {
        let h = Array(head.prefix(8))
        if h.starts(with: [0x50, 0x4B, 0x03, 0x04]) || h.starts(with: [0x50, 0x4B, 0x05, 0x06]) {
            self = .zip
        } else if h == [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] {
            self = .ole2
        } else {
            self = .other
        }
    }

    /// For a file given to a text format: what it is and what to do, or nil for text.
    package static func notTextMessage(_ head: some Collection<UInt8>, path: String) -> String? {
        switch FileSignature(head) {
        case .zip:
            return "\(path) is a zip archive (an Excel .xlsx workbook or a zipped export), not text: give this input `format: xlsx` if it is a workbook, or unzip it"
        case .ole2:
            return "\(path) is " + legacyWorkbook
        case .other:
            return nil
        }
    }

    static let legacyWorkbook = "a legacy Excel 97–2003 workbook (.xls) or a password-protected workbook: motcua reads .xlsx; open it in Excel or LibreOffice, remove any password and save it as .xlsx (Excel Workbook)"
}

/// One sheet of a workbook, in tab order.
package struct WorkbookSheet: Sendable {
    package let name: String
    /// The sheet's part in the zip, e.g. `xl/worksheets/sheet1.xml`.
    package let part: String
    package let hidden: Bool
}

package final class Workbook {
    /// The file as messages name it.
    package let path: String
    package let sheets: [WorkbookSheet]
    /// Dates count from 1904-01-01 (`workbookPr date1904`), not from 1900.
    package let date1904: Bool
    /// For each cell style index (`s`), whether its number format shows a date.
    package let dateStyles: [Bool]
    private let archive: Archive
    private let sharedStringsPart: String?

    /// Opens `path`; messages name the file `name` (the input's relative path).
    package init(path: String, name: String) throws {
        self.path = name
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw WorkbookError("\(name): cannot be opened")
        }
        let head = handle.readData(ofLength: 8)
        try? handle.close()
        switch FileSignature(head) {
        case .ole2: throw WorkbookError("\(name) is " + FileSignature.legacyWorkbook)
        case .other: throw WorkbookError("\(name) is not an Excel workbook (.xlsx is a zip archive; this file starts with \(Workbook.describe(head)))")
        case .zip: break
        }
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw WorkbookError("the zip archive is damaged (\(error)); save the workbook again from Excel", damage: true)
        }
        self.archive = archive

        // The main part from the package relationships (usually xl/workbook.xml).
        let rootRels = try Workbook.relationships(archive, "_rels/.rels", base: "")
        guard let main = rootRels.first(where: { $0.type.hasSuffix("/officeDocument") })?.target ?? (archive["xl/workbook.xml"] != nil ? "xl/workbook.xml" : nil),
              main.hasSuffix(".xml"), archive[main] != nil else {
            throw WorkbookError(Workbook.notWorkbook(archive, name))
        }
        let book = WorkbookPart()
        try Workbook.parse(archive, main, with: book)
        let mainDir = main.split(separator: "/").dropLast().joined(separator: "/")
        let rels = try Workbook.relationships(archive, Workbook.relsPath(of: main), base: mainDir)
        let targets = Dictionary(rels.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        sheets = book.sheets.compactMap { s in
            guard let t = targets[s.relationship], t.type.hasSuffix("/worksheet") else { return nil }
            return WorkbookSheet(name: s.name, part: t.target, hidden: s.hidden)
        }
        date1904 = book.date1904
        if let stylesPart = rels.first(where: { $0.type.hasSuffix("/styles") })?.target, archive[stylesPart] != nil {
            let styles = StylesPart()
            try Workbook.parse(archive, stylesPart, with: styles)
            dateStyles = styles.cellFormats.map { NumberFormats.isDate(id: $0, custom: styles.customFormats) }
        } else {
            dateStyles = []
        }
        sharedStringsPart = rels.first(where: { $0.type.hasSuffix("/sharedStrings") })?.target
    }

    /// The sheet named `name` (exact, then case-insensitive), or the first visible one.
    package func sheet(named name: String?) throws -> WorkbookSheet {
        if let name {
            if let s = sheets.first(where: { $0.name == name }) ?? sheets.first(where: { $0.name.lowercased() == name.lowercased() }) {
                return s
            }
            throw WorkbookError("\(path) has no sheet named '\(name)' (its sheets: \(sheets.map { "'\($0.name)'" }.joined(separator: ", ")))")
        }
        guard let first = sheets.first(where: { !$0.hidden }) ?? sheets.first else {
            throw WorkbookError("\(path) is a workbook without worksheets")
        }
        return first
    }

    /// The shared-string table (empty when the workbook has none).
    package func sharedStrings() throws -> SharedStrings {
        let table = SharedStrings()
        guard let part = sharedStringsPart, archive[part] != nil else { return table }
        let xml = XMLStream(handler: table)
        do {
            try stream(part: part) { try xml.feed($0) }
            try xml.finish()
        } catch let e as XMLStreamError {
            throw WorkbookError("the shared strings: \(e); the workbook is damaged", damage: true)
        }
        return table
    }

    /// Size in bytes of a part once inflated, and in the zip.
    package func sizes(of part: String) -> (inflated: Int, compressed: Int) {
        guard let e = archive[part] else { return (0, 0) }
        return (Int(e.uncompressedSize), Int(e.compressedSize))
    }

    /// Inflates a part piece by piece into `body`, checking its CRC at the end.
    package func stream(part: String, body: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let entry = archive[part] else { throw WorkbookError("the workbook lacks its part \(part)", damage: true) }
        /// The body's own errors, told apart from the zip's.
        struct FromBody: Error { let error: any Error }
        // The CRC is zlib's (ZIPFoundation's own, in Swift, took a tenth of a sheet's reading time).
        var crc: uLong = 0
        do {
            _ = try archive.extract(entry, bufferSize: 256 << 10, skipCRC32: true) { data in
                do {
                    try data.withUnsafeBytes { piece in
                        crc = crc32(crc, piece.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(piece.count))
                        try body(piece)
                    }
                } catch { throw FromBody(error: error) }
            }
        } catch let e as FromBody {
            throw e.error
        } catch {
            throw WorkbookError("\(part) cannot be inflated (\(error)); the workbook is damaged", damage: true)
        }
        if UInt32(crc) != entry.checksum {
            throw WorkbookError("\(part) fails its CRC check; the workbook is damaged", damage: true)
        }
    }

    // MARK: parts

    private struct Relationship { let id, type, target: String }

    private static func read(_ archive: Archive, _ part: String) throws -> [UInt8] {
        guard let entry = archive[part] else { return [] }
        var bytes: [UInt8] = []
        do {
            _ = try archive.extract(entry) { bytes.append(contentsOf: $0) }
        } catch {
            throw WorkbookError("\(part) cannot be inflated (\(error)); the workbook is damaged", damage: true)
        }
        return bytes
    }

    /// A small part parsed whole (nothing when the part is absent).
    private static func parse(_ archive: Archive, _ part: String, with handler: any XMLEventHandler) throws {
        let bytes = try read(archive, part)
        if bytes.isEmpty { return }
        do {
            try XMLStream.parse(bytes, with: handler)
        } catch let e as XMLStreamError {
            throw WorkbookError("\(part): \(e); the workbook is damaged", damage: true)
        }
    }

    private static func relsPath(of part: String) -> String {
        var dir = part.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let file = dir.removeLast()
        return (dir + ["_rels", file + ".rels"]).joined(separator: "/")
    }

    /// A relationships part; targets resolved against `base` (the source part's folder).
    private static func relationships(_ archive: Archive, _ part: String, base: String) throws -> [Relationship] {
        let rels = RelationshipsPart()
        try parse(archive, part, with: rels)
        return rels.items.map { item in
            Relationship(id: item.id, type: item.type, target: resolve(item.target, base: base))
        }
    }

    /// `worksheets/sheet1.xml` against `xl` → `xl/worksheets/sheet1.xml`; `/xl/…` is absolute.
    private static func resolve(_ target: String, base: String) -> String {
        var parts: [Substring] = target.hasPrefix("/") ? [] : base.split(separator: "/")
        for p in target.split(separator: "/") {
            if p == ".." { _ = parts.popLast() } else if p != "." { parts.append(p) }
        }
        return parts.joined(separator: "/")
    }

    private static func notWorkbook(_ archive: Archive, _ path: String) -> String {
        if let m = archive["mimetype"], let bytes = try? read(archive, m.path), String(decoding: bytes, as: UTF8.self).contains("opendocument.spreadsheet") {
            return "\(path) is an OpenDocument spreadsheet (.ods): motcua reads .xlsx; open it in LibreOffice and save it as Excel 2007-365 (.xlsx)"
        }
        if archive["xl/workbook.bin"] != nil {
            return "\(path) is an Excel binary workbook (.xlsb): motcua reads .xlsx; open it in Excel and save it as Excel Workbook (.xlsx)"
        }
        return "\(path) is a zip archive but not an Excel workbook (it has no xl/workbook.xml); if it holds exports, unzip it and give the files inside"
    }

    private static func describe(_ head: Data) -> String {
        head.isEmpty ? "nothing (it is empty)" : head.prefix(4).map { String(format: "%02x", $0) }.joined(separator: " ")
    }
}

/// `xl/workbook.xml`: the sheets in tab order and the date system.
private final class WorkbookPart: XMLEventHandler {
    struct Sheet { let name, relationship: String; let hidden: Bool }
    var sheets: [Sheet] = []
    var date1904 = false

    func start(_ name: XMLName, _ attributes: XMLAttributes) {
        if name.is("sheet"), let n = attributes.string("name"), let r = attributes.string("id") {
            let state = attributes.string("state") ?? "visible"
            sheets.append(Sheet(name: n, relationship: r, hidden: state != "visible"))
        } else if name.is("workbookPr"), let v = attributes.string("date1904") {
            date1904 = v == "1" || v == "true"
        }
    }
    func end(_ name: XMLName) {}
    func text(_ bytes: UnsafeBufferPointer<UInt8>) {}
}

/// A `.rels` part.
private final class RelationshipsPart: XMLEventHandler {
    var items: [(id: String, type: String, target: String)] = []
    func start(_ name: XMLName, _ attributes: XMLAttributes) {
        guard name.is("Relationship"), let id = attributes.string("Id"), let target = attributes.string("Target") else { return }
        if attributes.string("TargetMode") == "External" { return }
        items.append((id, attributes.string("Type") ?? "", target))
    }
    func end(_ name: XMLName) {}
    func text(_ bytes: UnsafeBufferPointer<UInt8>) {}
}

/// `xl/styles.xml`: the number format of each cell style, and the custom formats' codes.
private final class StylesPart: XMLEventHandler {
    var cellFormats: [Int] = []
    var customFormats: [Int: String] = [:]
    private var inCellXfs = false

    func start(_ name: XMLName, _ attributes: XMLAttributes) {
        if name.is("numFmt"), let id = attributes.string("numFmtId").flatMap({ Int($0) }) {
            customFormats[id] = attributes.string("formatCode") ?? ""
        } else if name.is("cellXfs") {
            inCellXfs = true
        } else if inCellXfs && name.is("xf") {
            cellFormats.append(attributes.string("numFmtId").flatMap { Int($0) } ?? 0)
        }
    }
    func end(_ name: XMLName) {
        if name.is("cellXfs") { inCellXfs = false }
    }
    func text(_ bytes: UnsafeBufferPointer<UInt8>) {}
}

/// Which number formats show dates (a number in such a cell is a serial date).
package enum NumberFormats {
    /// Built-in date and time formats (ECMA-376 §18.8.30, with the East Asian ids), or a
    /// custom code that shows a day, month, year, hour or second outside quotes and brackets.
    package static func isDate(id: Int, custom: [Int: String]) -> Bool {
        if let code = custom[id] { return isDateCode(code) }
        return (14...22).contains(id) || (27...36).contains(id) || (45...47).contains(id) || (50...58).contains(id)
    }

    package static func isDateCode(_ code: String) -> Bool {
        // Only the first section (positive numbers) decides.
        var visible = ""
        var inQuote = false, inBracket = false, escaped = false
        for ch in code {
            if escaped { escaped = false; continue }
            if inQuote { if ch == "\"" { inQuote = false }; continue }
            if inBracket { if ch == "]" { inBracket = false }; continue }
            switch ch {
            case "\\", "_", "*": escaped = true
            case "\"": inQuote = true
            case "[": inBracket = true
            case ";": return containsDateLetters(visible)
            default: visible.append(ch)
            }
        }
        return containsDateLetters(visible)
    }

    private static func containsDateLetters(_ s: String) -> Bool {
        let lower = s.lowercased()
        if lower.contains("general") { return false }
        return lower.contains { "dmyhs".contains($0) }
    }
}
