// A ranking as horizontal bars: a bar per unit, its value written after it, a target drawn as a
// line across the bars, and bars that miss the target in another colour (their value says so
// in the table beside the chart, with a mark). Each bar has a `<title>` with its numbers.

package struct BarChart {
    package struct Bar {
        package var label: String
        /// Nil: no value (a ratio whose denominator is 0): no bar, the value text says so.
        package var value: Double?
        package var valueLabel: String
        /// The bar's `<title>`: the unit and its numbers.
        package var note: String
        /// A class of `Palette.roles` (`met`, `miss`).
        package var cssClass: String
        package init(label: String, value: Double?, valueLabel: String, note: String, cssClass: String) {
            (self.label, self.value, self.valueLabel, self.note, self.cssClass) = (label, value, valueLabel, note, cssClass)
        }
    }

    package var title: String
    package var desc: String
    package var rows: [ChartRow<Bar>]
    package var scale: NiceScale
    package var tickLabel: (Double) -> String
    package var target: (value: Double, label: String)?
    package var width: Double = 470
    package var labelWidth: Double = 170
    package var valueWidth: Double = 64

    package init(title: String, desc: String, rows: [ChartRow<Bar>], scale: NiceScale,
                 tickLabel: @escaping (Double) -> String, target: (value: Double, label: String)? = nil) {
        (self.title, self.desc, self.rows, self.scale, self.tickLabel, self.target) = (title, desc, rows, scale, tickLabel, target)
    }

    package var frame: RowsFrame {
        var f = RowsFrame(width: width, labelWidth: labelWidth, valueWidth: valueWidth, rowCount: rows.count, scale: scale)
        if target != nil { f.bottom = 18 }
        return f
    }

    /// Each row's bar (nil for a gap row or a bar without a value).
    package func geometry() -> [ChartRect?] {
        let f = frame
        return rows.enumerated().map { i, row in
            guard case .bar(let b) = row, let v = b.value else { return nil }
            let x0 = f.x(Swift.max(0, scale.min))
            return ChartRect(x: x0, y: f.barY(i), width: Swift.max(0, f.x(v) - x0), height: f.barHeight)
        }
    }

    package func svg() -> String {
        let f = frame
        var w = SVGWriter()
        w.begin(width: width, height: f.height, title: title, desc: desc, cssClass: "chart bars")
        f.drawAxis(&w, tickLabel: tickLabel)
        let rects = geometry()
        for (i, row) in rows.enumerated() {
            switch row {
            case .gap(let text): f.drawGap(&w, text, row: i)
            case .bar(let b):
                w.open("g")
                w.textElement("title", [:], b.note)
                f.drawLabel(&w, b.label, row: i)
                if let r = rects[i] {
                    w.element("rect", ["x": .number(r.x), "y": .number(r.y), "width": .number(r.width), "height": .number(r.height),
                                       "class": .text(b.cssClass)])
                }
                w.textElement("text", ["x": .number(width - valueWidth + 4), "y": .number(f.textY(i)), "class": .text("value")], b.valueLabel)
                w.end("g")
            }
        }
        if let t = target { f.drawTarget(&w, at: t.value, label: t.label) }
        w.end("svg")
        return w.text
    }
}
