// Trends over periods: a line per series with a marker at each period (a shape and a dash of
// its own as well as a colour), a y axis of nice ticks, a dashed target line, the periods
// along the bottom (every k-th labelled when they would crowd) and a legend below. Each marker
// has a `<title>` with the series, the period and the value.

package struct LineChart {
    package struct Series {
        package var name: String
        /// One value per x label; nil where there is none (the line breaks there).
        package var values: [Double?]
        /// The values as the page writes them (for the markers' titles).
        package var valueLabels: [String]
        package init(name: String, values: [Double?], valueLabels: [String]) {
            (self.name, self.values, self.valueLabels) = (name, values, valueLabels)
        }
    }

    package var title: String
    package var desc: String
    package var xLabels: [String]
    package var series: [Series]
    package var scale: NiceScale
    package var tickLabel: (Double) -> String
    package var target: (value: Double, label: String)?
    package var width: Double = 620
    package var plotHeight: Double = 190
    let left: Double = 52, right: Double = 30, top: Double = 12, axisBottom: Double = 28
    let legendRow: Double = 16
    /// Legend entries per row.
    let legendColumns = 2

    package init(title: String, desc: String, xLabels: [String], series: [Series], scale: NiceScale,
                 tickLabel: @escaping (Double) -> String, target: (value: Double, label: String)? = nil) {
        (self.title, self.desc, self.xLabels, self.series, self.scale, self.tickLabel, self.target) =
            (title, desc, xLabels, series, scale, tickLabel, target)
    }

    var plotWidth: Double { width - left - right }
    package var height: Double {
        top + plotHeight + axisBottom + Double((series.count + legendColumns - 1) / legendColumns) * legendRow + 6
    }

    /// The x of period `i` (periods evenly spaced, the first and last at the plot's edges;
    /// one period in the middle).
    package func x(_ i: Int) -> Double {
        xLabels.count <= 1 ? left + plotWidth / 2 : left + Double(i) / Double(xLabels.count - 1) * plotWidth
    }

    package func y(_ v: Double) -> Double {
        top + plotHeight - scale.position(Swift.min(Swift.max(v, scale.min), scale.max), length: plotHeight)
    }

    /// Each series' points (nil where it has no value).
    package func points(_ s: Int) -> [(x: Double, y: Double)?] {
        series[s].values.enumerated().map { i, v in v.map { (x(i), y($0)) } }
    }

    /// Which x labels are written: every k-th, so that labels about 52 points wide do not touch.
    package var labelledEvery: Int {
        guard xLabels.count > 1 else { return 1 }
        let room = plotWidth / Double(xLabels.count - 1)
        return Swift.max(1, Int((52 / room).rounded(.up)))
    }

    static let dashes = [nil, "6 3", "2 3", "8 3 2 3", "4 4", "1 2"]

    package func svg() -> String {
        var w = SVGWriter()
        w.begin(width: width, height: height, title: title, desc: desc, cssClass: "chart lines")
        // The y axis: ticks and grid lines.
        w.open("g", ["class": .text("axis y")])
        for t in scale.ticks {
            let y = self.y(t)
            w.element("line", ["x1": .number(left), "y1": .number(y), "x2": .number(width - right), "y2": .number(y), "class": .text("grid")])
            w.textElement("text", ["x": .number(left - 6), "y": .number(y + 4), "class": .text("label")], tickLabel(t))
        }
        let every = labelledEvery
        for (i, label) in xLabels.enumerated() where i % every == 0 || i == xLabels.count - 1 && (xLabels.count - 1) % every == 0 {
            w.textElement("text", ["x": .number(x(i)), "y": .number(top + plotHeight + 16)], label)
        }
        w.end("g")
        if let t = target {
            let y = self.y(t.value)
            w.open("g", ["class": .text("target")])
            w.textElement("title", [:], t.label)
            w.element("line", ["x1": .number(left), "y1": .number(y), "x2": .number(width - right), "y2": .number(y)])
            w.textElement("text", ["x": .number(width - right), "y": .number(y - 4), "text-anchor": .text("end")], t.label)
            w.end("g")
        }
        for (s, series) in series.enumerated() {
            let pts = points(s)
            w.open("g", ["class": .text("s\(s % Palette.series.count)")])
            // The line, broken where a value is missing.
            var d = "", pen = false
            for p in pts {
                guard let p else { pen = false; continue }
                d += (pen ? "L" : (d.isEmpty ? "M" : " M")) + SVGWriter.number(p.x) + " " + SVGWriter.number(p.y)
                pen = true
            }
            if !d.isEmpty {
                w.element("path", ["d": .text(d), "class": .text("ln"), "stroke-width": .number(2), "stroke-dasharray": LineChart.dashes[s % LineChart.dashes.count].map { .text($0) }])
            }
            for (i, p) in pts.enumerated() {
                guard let p else { continue }
                w.open("g")
                w.textElement("title", [:], "\(series.name) — \(xLabels[i]): \(series.valueLabels[i])")
                marker(&w, shape: s, x: p.x, y: p.y)
                w.end("g")
            }
            w.end("g")
        }
        // The legend: the series' marker, dash and name.
        let legendTop = top + plotHeight + axisBottom
        let column = plotWidth / Double(legendColumns)
        for (s, series) in series.enumerated() {
            let lx = left + Double(s % legendColumns) * column
            let ly = legendTop + Double(s / legendColumns) * legendRow
            w.open("g", ["class": .text("s\(s % Palette.series.count) legend")])
            w.element("path", ["d": .text("M\(SVGWriter.number(lx)) \(SVGWriter.number(ly + 6))h24"), "class": .text("ln"), "stroke-width": .number(2),
                               "stroke-dasharray": LineChart.dashes[s % LineChart.dashes.count].map { .text($0) }])
            marker(&w, shape: s, x: lx + 12, y: ly + 6)
            w.textElement("text", ["x": .number(lx + 30), "y": .number(ly + 10)], RowsFrame.fit(series.name, width: column - 36))
            w.end("g")
        }
        w.end("svg")
        return w.text
    }

    /// Series `shape`'s marker: circle, square, triangle, diamond, triangle down, cross.
    private func marker(_ w: inout SVGWriter, shape: Int, x: Double, y: Double) {
        let n = SVGWriter.number
        switch shape % 6 {
        case 0: w.element("circle", ["cx": .number(x), "cy": .number(y), "r": .number(3.5)])
        case 1: w.element("rect", ["x": .number(x - 3.5), "y": .number(y - 3.5), "width": .number(7), "height": .number(7)])
        case 2: w.element("path", ["d": .text("M\(n(x)) \(n(y - 4.5))L\(n(x + 4.5)) \(n(y + 3.5))L\(n(x - 4.5)) \(n(y + 3.5))Z"), "class": .text("mk")])
        case 3: w.element("path", ["d": .text("M\(n(x)) \(n(y - 5))L\(n(x + 5)) \(n(y))L\(n(x)) \(n(y + 5))L\(n(x - 5)) \(n(y))Z"), "class": .text("mk")])
        case 4: w.element("path", ["d": .text("M\(n(x)) \(n(y + 4.5))L\(n(x + 4.5)) \(n(y - 3.5))L\(n(x - 4.5)) \(n(y - 3.5))Z"), "class": .text("mk")])
        default: w.element("path", ["d": .text("M\(n(x - 4)) \(n(y - 4))L\(n(x + 4)) \(n(y + 4))M\(n(x + 4)) \(n(y - 4))L\(n(x - 4)) \(n(y + 4))"),
                                    "stroke-width": .number(2.5), "class": .text("mkx")])
        }
    }
}
