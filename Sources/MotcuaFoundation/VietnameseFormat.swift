// Numbers and dates as Vietnamese readers write them (report.html, its charts): `.` groups
// thousands, `,` is the decimal mark, a percent sign follows a no-break space (`1.234`,
// `94,05 %`, `31/03/2024`). The one formatter of the report; no locale is read, so the bytes
// are the same on every machine.

package enum VietnameseFormat {
    /// The space between a number and its unit: U+00A0, so that `94,05 %` never wraps.
    package static let unitSpace = "\u{00A0}"

    /// An integer with `.` between groups of three digits: 1234567 → `1.234.567`, -1234 → `-1.234`.
    package static func integer(_ v: Int64) -> String {
        let digits = String(v.magnitude)
        var out = v < 0 ? "-" : ""
        for (i, d) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(".") }
            out.append(d)
        }
        return out
    }

    package static func integer(_ v: Int) -> String { integer(Int64(v)) }

    /// A fixed-point number given in units of 10^-`scale`, shown with `digits` decimals
    /// (`digits` ≤ `scale`), rounded half away from zero: (940_550, scale 6, digits 4) → `0,9406`.
    package static func fixed(_ units: Int64, scale: Int, digits: Int) -> String {
        precondition(digits <= scale && scale <= 18)
        var drop: Int64 = 1
        for _ in 0..<(scale - digits) { drop *= 10 }
        let magnitude = units.magnitude
        var q = magnitude / UInt64(drop)
        if (magnitude % UInt64(drop)) * 2 >= UInt64(drop) && drop > 1 { q += 1 }
        var unit: UInt64 = 1
        for _ in 0..<digits { unit *= 10 }
        let whole = integer(Int64(q / unit))
        let sign = units < 0 && q != 0 ? "-" : ""
        guard digits > 0 else { return sign + whole }
        var frac = String(q % unit)
        while frac.count < digits { frac = "0" + frac }
        return sign + whole + "," + frac
    }

    /// A ratio in micro-units (as kpis.csv's value: 0.940512 is 940512) as a percentage with
    /// `digits` decimals: 940512 → `94,05 %`.
    package static func percent(micros: Int64, digits: Int = 2) -> String {
        fixed(micros, scale: 4, digits: digits) + unitSpace + "%"
    }

    /// A chart's tick or a plain decimal number (not a published figure): `digits` decimals,
    /// trailing zeros kept (2.5 with 1 → `2,5`; 1500 with 0 → `1.500`).
    package static func decimal(_ v: Double, digits: Int) -> String {
        var scale: Double = 1
        for _ in 0..<digits { scale *= 10 }
        return fixed(Int64((v * scale).rounded()), scale: digits, digits: digits)
    }

    /// A day (days since 1970-01-01) as `dd/MM/yyyy`.
    package static func day(_ day: Int32) -> String {
        let (y, m, d) = civilFromDays(Int(day))
        return pad2(d) + "/" + pad2(m) + "/" + String(y)
    }
}
