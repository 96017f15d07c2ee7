// Cell and value encoders shared by the CSV and JSON writers (SPEC §7.3): RFC 4180 quoting,
// the spreadsheet formula guard for text columns, JSON string escaping.
import MotcuaFoundation
import MotcuaReading
import MotcuaAggregate

enum Cell {
    case text(String)
    case int(Int64)
    case bool(Bool)
    /// A ratio or bound in micro-units, written with 6 decimals; nil is empty / null.
    case micros(Int64?)
    /// Texts: in CSV one text cell, joined by spaces; in JSON an array of strings.
    case texts([String])
}

/// Micro-units as `0.007812`, digits written straight into `out`.
@inline(__always) func appendMicros(_ v: Int64, to out: inout [UInt8]) {
    if v < 0 { out.append(UInt8(ascii: "-")) }
    let m = v.magnitude
    appendInt(Int64(m / 1_000_000), to: &out)
    out.append(UInt8(ascii: "."))
    var frac = m % 1_000_000, digits: UInt64 = 0
    for shift in stride(from: 0, through: 40, by: 8) {   // six digits, the last one in the low byte
        digits |= (frac % 10 + 0x30) << UInt64(shift)
        frac /= 10
    }
    withUnsafeBytes(of: digits.bigEndian) { out.append(contentsOf: $0[2...]) }
}

/// Decimal digits of `v` without building a String.
@inline(__always) func appendInt(_ v: Int64, to out: inout [UInt8]) {
    if v >= 0 && v < 10 { out.append(UInt8(truncatingIfNeeded: v) + 0x30); return }
    var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)   // room for 20 digits + sign
    var m = v.magnitude
    var n = 0
    withUnsafeMutableBytes(of: &digits) { buf in
        repeat {
            buf[23 - n] = UInt8(m % 10) + 0x30
            m /= 10
            n += 1
        } while m > 0
        if v < 0 { buf[23 - n] = UInt8(ascii: "-"); n += 1 }
        out.append(contentsOf: buf[(24 - n)...])
    }
}

enum CSVEncoding {
    /// Appends one row, with LF, quoting where RFC 4180 needs it.
    static func appendRow(_ cells: [Cell], to out: inout [UInt8]) {
        appendCells(cells, to: &out)
        out.append(0x0A)
    }

    /// Cells separated by commas (part of a row).
    static func appendCells(_ cells: [Cell], to out: inout [UInt8]) {
        for i in cells.indices {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            switch cells[i] {
            case .text(let s): appendText(s, to: &out)
            case .int(let v): appendInt(v, to: &out)
            case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
            case .micros(let v): if let v { appendMicros(v, to: &out) }
            case .texts(let list): appendText(list.joined(separator: " "), to: &out)
            }
        }
    }

    static func appendHeader(_ names: [String], to out: inout [UInt8]) {
        appendRow(names.map { .text($0) }, to: &out)
    }

    /// A text cell: a leading = + - @ TAB or CR gets a `'` so spreadsheets do not run it.
    static func appendText(_ s: String, to out: inout [UInt8]) {
        let guarded = s.utf8.first.map { f in
            f == UInt8(ascii: "=") || f == UInt8(ascii: "+") || f == UInt8(ascii: "-") || f == UInt8(ascii: "@") || f == 0x09 || f == 0x0D
        } ?? false
        var text = s
        let needsQuotes = text.withUTF8 { buf in buf.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D } }
        if needsQuotes { out.append(UInt8(ascii: "\"")) }
        if guarded { out.append(UInt8(ascii: "'")) }
        if needsQuotes {
            for b in s.utf8 {
                if b == UInt8(ascii: "\"") { out.append(b) }
                out.append(b)
            }
            out.append(UInt8(ascii: "\""))
        } else {
            text.withUTF8 { out.append(contentsOf: $0) }
        }
    }
}

/// PostgreSQL's COPY text format (issue 17): fields separated by tabs, `\N` for null, and
/// backslash, tab, LF and CR escaped in text. Text is written as it is — no formula guard: the
/// database holds what counters.json holds.
enum CopyTextEncoding {
    static let delimiter = UInt8(ascii: "\t")

    static func appendCells(_ cells: [Cell], to out: inout [UInt8]) {
        for i in cells.indices {
            if i > 0 { out.append(delimiter) }
            switch cells[i] {
            case .text(let s): appendText(s, to: &out)
            case .int(let v): appendInt(v, to: &out)
            case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
            case .micros(let v): if let v { appendMicros(v, to: &out) } else { out.append(contentsOf: [0x5C, UInt8(ascii: "N")]) }
            case .texts(let list): appendText(list.joined(separator: " "), to: &out)
            }
        }
    }

    static func appendText(_ s: String, to out: inout [UInt8]) {
        for b in s.utf8 {
            switch b {
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            default: out.append(b)
            }
        }
    }
}

enum JSONEncoding {
    static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Most strings need no escaping: copy them whole.
        var text = s
        let plain = text.withUTF8 { buf in !buf.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") } }
        if plain {
            text.withUTF8 { out.append(contentsOf: $0) }
            out.append(UInt8(ascii: "\""))
            return
        }
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 15)]])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    static func appendCell(_ c: Cell, to out: inout [UInt8]) {
        switch c {
        case .text(let s): appendString(s, to: &out)
        case .int(let v): appendInt(v, to: &out)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .micros(let v): if let v { appendMicros(v, to: &out) } else { out.append(contentsOf: "null".utf8) }
        case .texts(let list):
            out.append(UInt8(ascii: "["))
            for (i, t) in list.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                appendString(t, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
    }

    /// `{"k":v,...}` with keys in the given order.
    static func appendObject(_ keys: [String], _ cells: [Cell], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        appendMembers(memberKeys(keys)[...], cells, to: &out)
        out.append(UInt8(ascii: "}"))
    }

    /// Each name as `"name":`, encoded once for many objects.
    static func memberKeys(_ names: [String]) -> [[UInt8]] {
        names.map { name in
            var key: [UInt8] = []
            appendString(name, to: &key)
            key.append(UInt8(ascii: ":"))
            return key
        }
    }

    /// `"k":v` members separated by commas (part of an object); keys from `memberKeys`, one a cell.
    static func appendMembers(_ keys: ArraySlice<[UInt8]>, _ cells: [Cell], to out: inout [UInt8]) {
        for (i, (key, cell)) in zip(keys, cells).enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out += key
            appendCell(cell, to: &out)
        }
    }
}

/// A value for a one-line message: in double quotes, at most `maxCharacters` characters (a
/// longer one is cut, its last shown character replaced by `…`), escaped as in a JSON string —
/// `\"`, `\\`, `\n`, `\r`, `\t`, and `\uXXXX` for every other control, format (bidirectional
/// overrides, zero-width) and line or paragraph separator character — so that nothing in it
/// can end the line, close the quotes or reorder what a terminal shows.
package func quotedForMessage(_ bytes: [UInt8], maxCharacters: Int = 40) -> String {
    let text = String(decoding: bytes, as: UTF8.self)
    var shown = Array(text.prefix(maxCharacters + 1))
    let cut = shown.count > maxCharacters
    if cut { shown.removeLast(2) }
    var out = "\""
    for c in shown {
        for u in c.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                switch u.properties.generalCategory {
                case .control, .format, .lineSeparator, .paragraphSeparator:
                    for unit in String(u).utf16 {
                        let hex = String(unit, radix: 16)
                        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    }
                default: out.unicodeScalars.append(u)
                }
            }
        }
    }
    return out + (cut ? "…\"" : "\"")
}
