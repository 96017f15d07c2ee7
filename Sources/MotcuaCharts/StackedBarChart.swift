// Parts of a whole as horizontal stacked bars — Biểu II.06a's early / on time / late, or
// pending within / overdue — a bar per unit, the total written after it, a legend above, and a
// `<title>` per bar with every part's number.

package struct StackedBarChart {
    package struct Bar {
        package var label: String
        /// The parts, in legend order.
        package var parts: [Double]
        package var totalLabel: String
        /// The bar's `<title>`; nil where a table beside the chart has its numbers.
        package var note: String?
        package init(label: String, parts: [Double], totalLabel: String, note: String? = nil) {
            (self.label, self.parts, self.totalLabel, self.note) = (label, parts, totalLabel, note)
        }
    }

    package var title: String
    package var desc: String
    /// The parts' names and classes (`Palette.roles`), in stacking order.
    package var legend: [(cssClass: String, label: String)]
    package var rows: [ChartRow<Bar>]
    package var scale: NiceScale
    package var tickLabel: (Double) -> String
    package var width: Double = 470
    package var labelWidth: Double = 170
    package var valueWidth: Double = 64
    /// Room for the legend above the axis.
    let legendHeight: Double = 18

    package init(title: String, desc: String, legend: [(cssClass: String, label: String)], rows: [ChartRow<Bar>],
                 scale: NiceScale, tickLabel: @escaping (Double) -> String) {
        (self.title, self.desc, self.legend, self.rows, self.scale, self.tickLabel) = (title, desc, legend, rows, scale, tickLabel)
    }

    package var frame: RowsFrame {
        var f = RowsFrame(width: width, labelWidth: labelWidth, valueWidth: valueWidth, rowCount: rows.count, scale: scale)
        f.top += legendHeight
        return f
    }

    /// Each row's parts, left to right (empty for a gap row; a part of 0 has width 0).
    package func geometry() -> [[ChartRect]] {
        let f = frame
        return rows.enumerated().map { i, row in
            guard case .bar(let b) = row else { return [] }
            var rects: [ChartRect] = []
            var sum = 0.0
            for v in b.parts {
                let x0 = f.x(sum)
                sum += v
                rects.append(ChartRect(x: x0, y: f.barY(i), width: f.x(sum) - x0, height: f.barHeight))
            }
            return rects
        }
    }

    package func svg() -> String {
        let f = frame
        var w = SVGWriter()
        w.begin(width: width, height: f.height, title: title, desc: desc, cssClass: "chart stacked")
        // The legend: a swatch and a name per part.
        var x = f.plotX
        w.open("g", ["class": .text("legend")])
        for item in legend {
            w.element("rect", ["x": .number(x), "y": .number(4), "width": .number(10), "height": .number(10), "class": .text(item.cssClass)])
            w.textElement("text", ["x": .number(x + 14), "y": .number(13)], item.label)
            x += 14 + Double(item.label.count) * 6 + 14
        }
        w.end("g")
        f.drawAxis(&w, tickLabel: tickLabel)
        let rects = geometry()
        for (i, row) in rows.enumerated() {
            switch row {
            case .gap(let text): f.drawGap(&w, text, row: i)
            case .bar(let b):
                if let note = b.note {
                    w.open("g")
                    w.textElement("title", [:], note)
                }
                f.drawLabel(&w, b.label, row: i)
                for (k, r) in rects[i].enumerated() where r.width > 0 {
                    w.element("rect", ["x": .number(r.x), "y": .number(r.y), "width": .number(r.width), "height": .number(r.height),
                                       "class": .text(legend[k].cssClass)])
                }
                w.textElement("text", ["x": .number(width - valueWidth + 4), "y": .number(f.textY(i)), "class": .text("value")], b.totalLabel)
                if b.note != nil { w.end("g") }
            }
        }
        w.end("svg")
        return w.text
    }
}
