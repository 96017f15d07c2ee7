// The few SVG elements the charts are made of, written as text: escaped attribute values and
// text, coordinates with at most one decimal (`.`, no locale), so the same chart is the same
// bytes everywhere. Well-formed XML, so the page that holds it stays parseable.

package struct SVGWriter {
    package private(set) var text = ""

    package init() {}

    /// A coordinate or length: rounded to a tenth, without a trailing `.0`.
    package static func number(_ v: Double) -> String {
        let tenths = Int64((v * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        let m = tenths.magnitude
        return m % 10 == 0 ? sign + String(m / 10) : sign + String(m / 10) + "." + String(m % 10)
    }

    /// `&`, `<`, `>` and `"` as entities (valid in text and in attribute values).
    package static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    package enum Value {
        case text(String)
        case number(Double)
    }

    private mutating func attributes(_ attrs: KeyValuePairs<String, Value?>) {
        for (k, v) in attrs {
            guard let v else { continue }
            text += " " + k + "=\""
            switch v {
            case .text(let s): text += SVGWriter.escape(s)
            case .number(let n): text += SVGWriter.number(n)
            }
            text += "\""
        }
    }

    /// `<name attrs>`; `close: true` makes it `<name attrs/>`.
    package mutating func open(_ name: String, _ attrs: KeyValuePairs<String, Value?> = [:], close: Bool = false) {
        text += "<" + name
        attributes(attrs)
        text += close ? "/>" : ">"
    }

    package mutating func end(_ name: String) { text += "</" + name + ">" }

    package mutating func element(_ name: String, _ attrs: KeyValuePairs<String, Value?> = [:]) {
        open(name, attrs, close: true)
    }

    /// `<name attrs>text</name>`.
    package mutating func textElement(_ name: String, _ attrs: KeyValuePairs<String, Value?> = [:], _ content: String) {
        open(name, attrs)
        text += SVGWriter.escape(content)
        end(name)
    }

    /// The chart's frame: `<svg>` with its size and viewBox, its `<title>` and `<desc>`
    /// (what a screen reader and a hover say, with the chart's numbers).
    package mutating func begin(width: Double, height: Double, title: String, desc: String, cssClass: String) {
        open("svg", ["xmlns": .text("http://www.w3.org/2000/svg"), "class": .text(cssClass), "role": .text("img"),
                     "width": .number(width), "height": .number(height),
                     "viewBox": .text("0 0 \(SVGWriter.number(width)) \(SVGWriter.number(height))")])
        textElement("title", [:], title)
        textElement("desc", [:], desc)
    }
}
