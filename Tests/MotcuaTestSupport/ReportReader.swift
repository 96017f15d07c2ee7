// Reads report.html back as the tests need it: every figure the page shows, with the
// attributes that say where it comes from (`data-p` period, `data-u` unit, `data-s` scope,
// `data-k` KPI, `data-f` column, `data-r` reject reason), merged from the figure's element, its
// ancestors and — for a table cell — the header cell of its column (rowspan and colspan laid
// out). A small HTML reader of its own: tags, attributes, text, the end tags HTML lets a page
// leave out (a cell ends at the next cell, a row at the next row or the body's end), entities.
import Foundation

package struct ReportFigure: CustomStringConvertible {
    package var attributes: [String: String]
    /// The text shown, entities decoded, no-break spaces as spaces, trimmed.
    package var text: String
    package subscript(_ key: String) -> String? { attributes["data-" + key] }
    package var description: String { "\(attributes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")): \(text)" }
}

package struct ReportReader {
    package private(set) var figures: [ReportFigure] = []
    /// Each row of a table with class `units`: its merged attributes (period, unit, scope).
    package private(set) var unitRows: [[String: String]] = []
    package private(set) var tags: [String] = []

    private struct Open {
        var name: String
        var attributes: [String: String]
        var text = ""
        var collecting: Bool
        /// For a table: its header grid (column → attributes) and the rowspans still running.
        var columns: [Int: [String: String]] = [:]
        var spans: [Int: Int] = [:]
        var inHead = false
        var cell = 0
    }

    private var stack: [Open] = []

    package init(_ html: String) {
        var i = html.startIndex
        while i < html.endIndex {
            if html[i] == "<" {
                if html[i...].hasPrefix("<!--") {
                    i = html.range(of: "-->", range: i..<html.endIndex)?.upperBound ?? html.endIndex
                    continue
                }
                guard let close = html[i...].firstIndex(of: ">") else { break }
                tag(String(html[html.index(after: i)..<close]))
                i = html.index(after: close)
            } else {
                let next = html[i...].firstIndex(of: "<") ?? html.endIndex
                text(ReportReader.decode(String(html[i..<next])))
                i = next
            }
        }
    }

    static func decode(_ s: String) -> String {
        s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    static func attributes(_ s: Substring) -> [String: String] {
        var out: [String: String] = [:]
        let pattern = try! NSRegularExpression(pattern: #"([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:="([^"]*)")?"#)
        let ns = String(s)
        for m in pattern.matches(in: ns, range: NSRange(ns.startIndex..., in: ns)) {
            let key = String(ns[Range(m.range(at: 1), in: ns)!])
            let value = m.range(at: 2).location == NSNotFound ? "" : String(ns[Range(m.range(at: 2), in: ns)!])
            out[key] = decode(value)
        }
        return out
    }

    private static let void: Set = ["meta", "br", "hr", "img", "link", "input", "!doctype"]

    private mutating func tag(_ raw: String) {
        if raw.hasPrefix("/") {
            let name = raw.dropFirst().trimmingCharacters(in: .whitespaces).lowercased()
            tags.append("/" + name)
            close(through: name)
            return
        }
        let selfClosing = raw.hasSuffix("/")
        let body = selfClosing ? raw.dropLast() : Substring(raw)
        let name = String(body.prefix { !$0.isWhitespace }).lowercased()
        tags.append(name)
        let attrs = ReportReader.attributes(body.dropFirst(name.count))
        // End tags HTML implies.
        if name == "td" || name == "th" { closeCell() }
        if name == "tr" { closeCell(); if stack.last?.name == "tr" { pop() } }
        if name == "tbody" || name == "thead" { closeCell(); if stack.last?.name == "tr" { pop() } }
        if selfClosing || ReportReader.void.contains(name) { return }
        var open = Open(name: name, attributes: attrs, collecting: false)
        if name == "thead", let t = tableIndex { stack[t].inHead = true }
        if name == "tbody", let t = tableIndex { stack[t].inHead = false }
        if name == "tr", let t = tableIndex { stack[t].cell = 0 }
        if (name == "td" || name == "th"), let t = tableIndex {
            var column = stack[t].cell
            if stack[t].inHead {
                while (stack[t].spans[column] ?? 0) > 0 { column += 1 }
                let colspan = Int(attrs["colspan"] ?? "1") ?? 1, rowspan = Int(attrs["rowspan"] ?? "1") ?? 1
                for c in column..<(column + colspan) {
                    // The lowest header cell of a column names it.
                    stack[t].columns[c] = attrs
                    stack[t].spans[c] = rowspan
                }
                stack[t].cell = column + colspan
            } else {
                stack[t].cell = column + 1
                var merged = merged()
                for (k, v) in stack[t].columns[column] ?? [:] where k.hasPrefix("data-") { merged[k] = v }
                for (k, v) in attrs { merged[k] = v }
                open.attributes = merged
                open.collecting = merged["data-f"] != nil
            }
        } else if attrs["data-f"] != nil {
            var merged = merged()
            for (k, v) in attrs { merged[k] = v }
            open.attributes = merged
            open.collecting = true
        }
        if name == "tr", let t = tableIndex, !stack[t].inHead, stack[t].attributes["class"] == "units" {
            var merged = merged()
            for (k, v) in attrs { merged[k] = v }
            unitRows.append(merged)
        }
        stack.append(open)
    }

    /// A header row ends: rowspans count down.
    private mutating func endHeadRow() {
        guard let t = tableIndex, stack[t].inHead else { return }
        for (c, n) in stack[t].spans { stack[t].spans[c] = n - 1 }
    }

    private var tableIndex: Int? { stack.lastIndex { $0.name == "table" } }

    /// The data- attributes of every open element, outer to inner.
    private func merged() -> [String: String] {
        var out: [String: String] = [:]
        for o in stack { for (k, v) in o.attributes where k.hasPrefix("data-") { out[k] = v } }
        return out
    }

    private mutating func text(_ s: String) {
        for i in stack.indices where stack[i].collecting { stack[i].text += s }
    }

    private mutating func closeCell() {
        if let last = stack.last, last.name == "td" || last.name == "th" { pop() }
    }

    private mutating func close(through name: String) {
        guard stack.contains(where: { $0.name == name }) else { return }
        while let last = stack.last {
            pop()
            if last.name == name { break }
        }
    }

    private mutating func pop() {
        let o = stack.removeLast()
        if o.name == "tr" { endHeadRow() }
        if o.collecting {
            let text = o.text.replacingOccurrences(of: "\u{00A0}", with: " ").trimmingCharacters(in: .whitespacesAndNewlines)
            figures.append(ReportFigure(attributes: o.attributes, text: text))
        }
    }
}
