// What horizontal bar charts share: a row per unit (its label on the left, the value's text
// on the right), an axis of nice ticks across the top with grid lines, and rows that stand for
// the units left out of a long ranking (`gap`).

/// One row of a horizontal chart.
package enum ChartRow<Bar> {
    case bar(Bar)
    /// A row of text only, e.g. `… 460 đơn vị khác (xem bảng)`.
    case gap(String)
}

/// A rectangle of a chart, for tests and for the SVG.
package struct ChartRect: Equatable {
    package var x: Double, y: Double, width: Double, height: Double
    package init(x: Double, y: Double, width: Double, height: Double) {
        (self.x, self.y, self.width, self.height) = (x, y, width, height)
    }
}

package struct RowsFrame {
    package var width: Double
    package var labelWidth: Double
    package var valueWidth: Double
    package var rowHeight: Double = 16
    package var barHeight: Double = 11
    /// Room above the first row for the tick labels.
    package var top: Double = 20
    package var rowCount: Int
    package var scale: NiceScale
    /// Room under the rows for the target line's key (`- - - Chỉ tiêu ≥ 95 %`).
    package var bottom: Double = 0

    package var plotX: Double { labelWidth }
    package var plotWidth: Double { width - labelWidth - valueWidth }
    package var height: Double { top + Double(rowCount) * rowHeight + 4 + bottom }

    /// The x of value `v`.
    package func x(_ v: Double) -> Double { plotX + scale.position(Swift.min(Swift.max(v, scale.min), scale.max), length: plotWidth) }

    /// The top of the bar of row `i`.
    package func barY(_ i: Int) -> Double { top + Double(i) * rowHeight + (rowHeight - barHeight) / 2 }

    /// The text baseline of row `i`.
    package func textY(_ i: Int) -> Double { top + Double(i) * rowHeight + rowHeight / 2 + 4 }

    /// Tick labels and grid lines.
    package func drawAxis(_ w: inout SVGWriter, tickLabel: (Double) -> String) {
        // Tick labels are centred on their lines (the page's style sheet: `.axis text`).
        w.open("g", ["class": .text("axis")])
        let bottom = top + Double(rowCount) * rowHeight
        for t in scale.ticks {
            let x = self.x(t)
            w.element("line", ["x1": .number(x), "y1": .number(top - 3), "x2": .number(x), "y2": .number(bottom), "class": .text("grid")])
            w.textElement("text", ["x": .number(x), "y": .number(top - 6)], tickLabel(t))
        }
        w.end("g")
    }

    /// A row's label on the left, cut to fit (the whole of it is in the bar's `<title>`).
    package func drawLabel(_ w: inout SVGWriter, _ label: String, row i: Int) {
        // Right-aligned by the page's style sheet (`.label`).
        w.textElement("text", ["x": .number(labelWidth - 6), "y": .number(textY(i)), "class": .text("label")],
                      RowsFrame.fit(label, width: labelWidth - 8))
    }

    package func drawGap(_ w: inout SVGWriter, _ text: String, row i: Int) {
        w.textElement("text", ["x": .number(plotX + 4), "y": .number(textY(i)), "class": .text("gap")], text)
    }

    /// A vertical target line across the rows, labelled above them.
    package func drawTarget(_ w: inout SVGWriter, at v: Double, label: String) {
        let x = self.x(v)
        w.open("g", ["class": .text("target")])
        w.textElement("title", [:], label)
        let end = top + Double(rowCount) * rowHeight
        w.element("line", ["x1": .number(x), "y1": .number(top - 2), "x2": .number(x), "y2": .number(end)])
        // Its key under the rows, so that the dashed line is read without hovering.
        w.element("line", ["x1": .number(plotX), "y1": .number(end + 12), "x2": .number(plotX + 22), "y2": .number(end + 12)])
        w.textElement("text", ["x": .number(plotX + 28), "y": .number(end + 16)], label)
        w.end("g")
    }

    /// `text` cut with `…` to about `width` points at the charts' 11 px font (an average glyph
    /// of 6 points; Vietnamese letters with marks are no wider than their base letters).
    package static func fit(_ text: String, width: Double) -> String {
        let limit = Swift.max(4, Int(width / 6))
        guard text.count > limit else { return text }
        return String(text.prefix(limit - 1)) + "…"
    }
}
