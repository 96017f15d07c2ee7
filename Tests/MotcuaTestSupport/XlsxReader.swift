// Reads an .xlsx back without the library that wrote it: a small zip reader (central
// directory, stored or raw-deflate entries through zlib) and just enough of SpreadsheetML —
// shared strings, each sheet's cells (text or number), merged ranges, the page setup — for
// tests to check bieu-ii06a.xlsx cell by cell.
import Foundation
import CZlibSystem

package struct Xlsx {
    /// The archive's entries by name.
    package let entries: [String: [UInt8]]
    /// Sheet names in workbook order, with their XML.
    package let sheets: [(name: String, xml: String)]
    package let sharedStrings: [String]

    package enum Cell: Equatable, CustomStringConvertible {
        case text(String), number(Double)
        package var description: String {
            switch self {
            case .text(let s): return "text(\(s))"
            case .number(let v): return "number(\(v))"
            }
        }
    }

    package init(path: String) throws {
        let entries = try Xlsx.unzip([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
        self.entries = entries
        func text(_ name: String) -> String { entries[name].map { String(decoding: $0, as: UTF8.self) } ?? "" }
        sharedStrings = Xlsx.matches(#"<si>(.*?)</si>"#, in: text("xl/sharedStrings.xml")).map { si in
            Xlsx.matches(#"<t[^>]*>(.*?)</t>"#, in: si[1]).map { Xlsx.unescape($0[1]) }.joined()
        }
        let workbook = text("xl/workbook.xml"), rels = text("xl/_rels/workbook.xml.rels")
        var targets: [String: String] = [:]
        for m in Xlsx.matches(#"<Relationship Id="([^"]+)" Type="[^"]+" Target="([^"]+)""#, in: rels) { targets[m[1]] = m[2] }
        sheets = Xlsx.matches(#"<sheet name="([^"]*)" sheetId="\d+" r:id="([^"]+)"/>"#, in: workbook).map { m in
            (Xlsx.unescape(m[1]), text("xl/" + (targets[m[2]] ?? "")))
        }
    }

    package func xml(_ sheet: String) -> String? { sheets.first { $0.name == sheet }?.xml }

    /// Cells by reference (`C12`): shared strings as text, the rest as numbers.
    package func cells(_ sheet: String) -> [String: Cell] {
        var out: [String: Cell] = [:]
        for m in Xlsx.matches(#"<c r="([A-Z]+\d+)"([^>]*?)(?:/>|>(.*?)</c>)"#, in: xml(sheet) ?? "") {
            guard let v = Xlsx.matches(#"<v>(.*?)</v>"#, in: m[3]).first?[1] else { continue }
            if m[2].contains(#"t="s""#) { out[m[1]] = .text(sharedStrings[Int(v)!]) } else { out[m[1]] = .number(Double(v)!) }
        }
        return out
    }

    /// Merged ranges (`A7:A10`).
    package func merges(_ sheet: String) -> Set<String> {
        Set(Xlsx.matches(#"<mergeCell ref="([^"]+)"/>"#, in: xml(sheet) ?? "").map { $0[1] })
    }

    /// The attributes of the first `<tag …/>` of the sheet (`pageSetup`, `pageSetUpPr`, `printOptions`).
    package func attributes(_ sheet: String, _ tag: String) -> [String: String] {
        guard let element = Xlsx.matches("<\(tag) ([^>]*?)/?>", in: xml(sheet) ?? "").first?[1] else { return [:] }
        var out: [String: String] = [:]
        for m in Xlsx.matches(#"(\w+)="([^"]*)""#, in: element) { out[m[1]] = m[2] }
        return out
    }

    /// Every match's groups (0 = whole match; a group that did not take part is "").
    package static func matches(_ pattern: String, in s: String) -> [[String]] {
        let re = try! NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators])
        let ns = s as NSString
        return re.matches(in: s, range: NSRange(location: 0, length: ns.length)).map { m in
            (0..<m.numberOfRanges).map { m.range(at: $0).location == NSNotFound ? "" : ns.substring(with: m.range(at: $0)) }
        }
    }

    static func unescape(_ s: String) -> String {
        s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    package struct ZipError: Error, CustomStringConvertible { package let description: String }

    /// Every entry of a zip archive, from its central directory.
    package static func unzip(_ zip: [UInt8]) throws -> [String: [UInt8]] {
        func u16(_ i: Int) -> Int { Int(zip[i]) | Int(zip[i + 1]) << 8 }
        func u32(_ i: Int) -> Int { u16(i) | u16(i + 2) << 16 }
        guard zip.count >= 22, let end = stride(from: zip.count - 22, through: 0, by: -1).first(where: { u32($0) == 0x0605_4b50 }) else {
            throw ZipError(description: "no end of central directory")
        }
        var out: [String: [UInt8]] = [:]
        var at = u32(end + 16)
        for _ in 0..<u16(end + 10) {
            guard u32(at) == 0x0201_4b50 else { throw ZipError(description: "bad central directory entry at \(at)") }
            let (method, size, length) = (u16(at + 10), u32(at + 20), u32(at + 24))
            let nameLength = u16(at + 28)
            let name = String(decoding: zip[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
            let local = u32(at + 42)
            guard u32(local) == 0x0403_4b50 else { throw ZipError(description: "\(name): bad local header") }
            let start = local + 30 + u16(local + 26) + u16(local + 28)
            let data = Array(zip[start..<(start + size)])
            switch method {
            case 0: out[name] = data
            case 8: out[name] = try inflateRaw(data, length: length)
            default: throw ZipError(description: "\(name): compression method \(method)")
            }
            at += 46 + nameLength + u16(at + 30) + u16(at + 32)
        }
        return out
    }

    private static func inflateRaw(_ input: [UInt8], length: Int) throws -> [UInt8] {
        var s = z_stream()
        guard inflateInit2_(&s, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { throw ZipError(description: "inflateInit2") }
        defer { inflateEnd(&s) }
        // One byte more than the entry's length: never an empty buffer, and a longer stream shows.
        let (status, out) = Gz.oneShot(&s, input, capacity: length + 1) { inflate(&$0, Z_FINISH) }
        guard status == Z_STREAM_END, out.count == length else { throw ZipError(description: "inflate: \(status), \(out.count) of \(length) bytes") }
        return out
    }
}
