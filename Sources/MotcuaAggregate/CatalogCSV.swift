// A small RFC 4180 reader for the catalogs (SPEC §2.5): whole file in memory, BOM skipped,
// LF or CRLF, quoted fields with "" and line breaks. Not the hot path.
import MotcuaFoundation
import MotcuaReading
import Foundation

struct CatalogCSV {
    var header: [String]
    /// (1-based line number of the row's first line, cells)
    var rows: [(line: Int, cells: [String])]

    struct ParseError: Error { let line: Int; let reason: String }

    static func parse(_ data: [UInt8]) throws -> CatalogCSV {
        var i = 0
        if data.count >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF { i = 3 }
        var records: [(Int, [String])] = []
        var line = 1
        var cells: [String] = []
        var cell: [UInt8] = []
        var recordLine = 1
        var inQuotes = false
        var quoted = false
        var afterQuote = false
        func endCell() { cells.append(String(decoding: cell, as: UTF8.self)); cell.removeAll(keepingCapacity: true); quoted = false; afterQuote = false }
        while i < data.count {
            let b = data[i]
            if inQuotes {
                if b == UInt8(ascii: "\"") {
                    if i + 1 < data.count && data[i + 1] == UInt8(ascii: "\"") { cell.append(b); i += 2; continue }
                    inQuotes = false
                    afterQuote = true
                } else {
                    if b == 0x0A { line += 1 }
                    cell.append(b)
                }
                i += 1
                continue
            }
            switch b {
            case UInt8(ascii: ","):
                endCell()
            case 0x0A, 0x0D:
                if b == 0x0D && !(i + 1 < data.count && data[i + 1] == 0x0A) {
                    if afterQuote { throw ParseError(line: line, reason: "text after a closing quote") }
                    cell.append(b)
                    break
                }
                if b == 0x0D { i += 1 }
                endCell()
                if !(cells.count == 1 && cells[0].isEmpty) { records.append((recordLine, cells)) }
                cells.removeAll()
                line += 1
                recordLine = line
            case UInt8(ascii: "\""):
                if cell.isEmpty && !quoted && !afterQuote { inQuotes = true; quoted = true } else if afterQuote {
                    throw ParseError(line: line, reason: "text after a closing quote")
                } else { cell.append(b) }
            default:
                if afterQuote { throw ParseError(line: line, reason: "text after a closing quote") }
                cell.append(b)
            }
            i += 1
        }
        if inQuotes { throw ParseError(line: recordLine, reason: "quote left open at end of file") }
        if !cell.isEmpty || !cells.isEmpty || quoted {
            endCell()
            if !(cells.count == 1 && cells[0].isEmpty) { records.append((recordLine, cells)) }
        }
        guard let first = records.first else { throw ParseError(line: 1, reason: "no header row") }
        let header = first.1.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        return CatalogCSV(header: header, rows: Array(records.dropFirst()))
    }
}
