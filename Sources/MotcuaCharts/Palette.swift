// The charts' colours: Okabe & Ito's palette, told apart by readers with any common colour
// vision deficiency; series differ by marker shape and dash too, never by colour alone. Charts
// name CSS classes; `css` is the style sheet that gives them their colours (the page includes it).

package enum Palette {
    /// Okabe–Ito (2008), without black: orange, sky blue, bluish green, yellow, blue, vermillion, reddish purple.
    package static let okabeIto = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"]

    /// Series classes in the order series use them (`s0` … `s5`): blue, vermillion, bluish green,
    /// orange, reddish purple, sky blue — strong colours first, yellow left out (too pale on white).
    package static let series = ["#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9"]

    /// Named fills of bars and stacks.
    package static let roles: [(cssClass: String, colour: String)] = [
        ("met", "#0072B2"),        // a bar that meets its target (or has none)
        ("miss", "#D55E00"),       // a bar that misses it
        ("early", "#009E73"),      // resolved early
        ("ontime", "#56B4E9"),     // resolved on time
        ("late", "#D55E00"),       // resolved late
        ("within", "#0072B2"),     // pending within the deadline
        ("overdue", "#E69F00"),    // pending overdue
    ]

    /// The style sheet of every chart's classes.
    package static var css: String {
        var out = ""
        for (i, c) in series.enumerated() {
            out += ".s\(i){stroke:\(c);fill:\(c)}"
        }
        for r in roles { out += ".\(r.cssClass){fill:\(r.colour)}" }
        return out
    }
}
