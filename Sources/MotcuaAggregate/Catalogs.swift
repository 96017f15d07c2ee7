// The unit tree and the procedure catalog (SPEC §2.5, §3.5), loaded and checked; every
// problem is a `ConfigIssue` naming file and line.
import MotcuaFoundation
import MotcuaReading
import Foundation

public struct UnitInfo: Sendable {
    public var code: String
    public var name: String
    public var tier: String      // a Tier raw value, or "unknown"
    public var parent: String    // "" for roots
}

public struct ProcedureRow: Sendable {
    public var procedure: String
    public var name: String
    public var sector: String
    public var sectorName: String
    public var tier: Tier
    public var level: Int
    public var unit: String?
}

public struct Catalogs: Sendable {
    /// Sector names by code, the first name the procedure catalog gives each (Biểu II.06a).
    package var sectorNames: [String: String] {
        var names: [String: String] = [:]
        for r in procedures where names[r.sector] == nil && !r.sectorName.isEmpty { names[r.sector] = r.sectorName }
        return names
    }

    public var units: [UnitInfo] = []
    public var procedures: [ProcedureRow] = []
    /// A procedures.csv was given (its rows may still be none).
    public var hasProcedureCatalog = false
    public init() {}

    public static func load(unitsPath: String?, proceduresPath: String?, issues: inout [ConfigIssue]) -> Catalogs {
        var c = Catalogs()
        if let p = unitsPath { c.units = loadUnits(p, &issues) }
        if let p = proceduresPath {
            c.procedures = loadProcedures(p, units: c.units, &issues)
            c.hasProcedureCatalog = true
        }
        return c
    }

    private static func read(_ path: String, _ columns: [String], optional: Set<String> = [], _ issues: inout [ConfigIssue]) -> (CatalogCSV, [String: Int])? {
        guard let data = FileManager.default.contents(atPath: path) else {
            issues.append(ConfigIssue(file: path, path: "", reason: "cannot read catalog"))
            return nil
        }
        do {
            let csv = try CatalogCSV.parse([UInt8](data))
            var index: [String: Int] = [:]
            for (i, h) in csv.header.enumerated() { index[h] = i }
            for col in columns where index[col] == nil && !optional.contains(col) {
                issues.append(ConfigIssue(file: path, path: "line 1", reason: "missing column '\(col)'"))
            }
            for (i, row) in csv.rows.enumerated() where row.cells.count != csv.header.count {
                issues.append(ConfigIssue(file: path, path: "line \(csv.rows[i].line)", reason: "expected \(csv.header.count) fields, found \(row.cells.count)"))
            }
            if columns.contains(where: { index[$0] == nil && !optional.contains($0) }) { return nil }
            return (csv, index)
        } catch let e as CatalogCSV.ParseError {
            issues.append(ConfigIssue(file: path, path: "line \(e.line)", reason: e.reason))
        } catch {
            issues.append(ConfigIssue(file: path, path: "", reason: "\(error)"))
        }
        return nil
    }

    static func loadUnits(_ path: String, _ issues: inout [ConfigIssue]) -> [UnitInfo] {
        guard let (csv, idx) = read(path, ["unit_code", "unit_name", "tier", "parent_code"], &issues) else { return [] }
        var units: [UnitInfo] = []
        var seen: [String: Int] = [:]
        for row in csv.rows where row.cells.count == csv.header.count {
            func cell(_ c: String) -> String { row.cells[idx[c]!].trimmingCharacters(in: .whitespacesAndNewlines) }
            let u = UnitInfo(code: cell("unit_code"), name: cell("unit_name"), tier: cell("tier"), parent: cell("parent_code"))
            let at = "line \(row.line)"
            if u.code.isEmpty { issues.append(ConfigIssue(file: path, path: at, reason: "empty unit_code")); continue }
            if Tier(rawValue: u.tier) == nil {
                issues.append(ConfigIssue(file: path, path: at, reason: "unknown tier '\(u.tier)' (tinh, so_nganh, huyen, xa)"))
            }
            if let first = seen[u.code] {
                issues.append(ConfigIssue(file: path, path: at, reason: "duplicate unit '\(u.code)' (first on line \(first))"))
                continue
            }
            seen[u.code] = row.line
            units.append(u)
        }
        let byCode = Dictionary(units.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        for u in units where !u.parent.isEmpty && byCode[u.parent] == nil {
            issues.append(ConfigIssue(file: path, path: "line \(seen[u.code]!)", reason: "parent '\(u.parent)' of unit '\(u.code)' is not in the file"))
        }
        // Cycles, in one pass over the parent links (a deep chain must not cost units × depth):
        // each unit is settled once, as ending at a root or as looping (on a cycle, or above one).
        enum Fate { case unknown, walking, root, loops }
        let index = Dictionary(units.enumerated().map { ($1.code, $0) }, uniquingKeysWith: { a, _ in a })
        let parent = units.map { u in u.parent.isEmpty ? -1 : (index[u.parent] ?? -1) }
        var fate = [Fate](repeating: .unknown, count: units.count)
        var walk: [Int] = []
        for start in units.indices where fate[start] == .unknown {
            var cur = start
            while cur >= 0 && fate[cur] == .unknown {
                fate[cur] = .walking
                walk.append(cur)
                cur = parent[cur]
            }
            // Back on this walk's own path: a cycle; else the fate of where it ran into.
            let ending: Fate = cur < 0 ? .root : (fate[cur] == .walking ? .loops : fate[cur])
            for u in walk { fate[u] = ending }
            walk.removeAll(keepingCapacity: true)
        }
        for (i, u) in units.enumerated() where fate[i] == .loops {
            issues.append(ConfigIssue(file: path, path: "line \(seen[u.code]!)", reason: "unit '\(u.code)' is in a parent cycle"))
        }
        return units
    }

    static func loadProcedures(_ path: String, units: [UnitInfo], _ issues: inout [ConfigIssue]) -> [ProcedureRow] {
        let cols = ["procedure_code", "procedure_name", "sector_code", "sector_name", "tier", "service_level", "unit_code"]
        guard let (csv, idx) = read(path, cols, optional: ["unit_code"], &issues) else { return [] }
        let unitTier = Dictionary(units.map { ($0.code, $0.tier) }, uniquingKeysWith: { a, _ in a })
        var rows: [ProcedureRow] = []
        var seen: [String: Int] = [:]
        for row in csv.rows where row.cells.count == csv.header.count {
            func cell(_ c: String) -> String { idx[c].map { row.cells[$0].trimmingCharacters(in: .whitespacesAndNewlines) } ?? "" }
            let at = "line \(row.line)"
            let code = stripProcedureSuffix(cell("procedure_code"))
            guard !code.isEmpty else { issues.append(ConfigIssue(file: path, path: at, reason: "empty procedure_code")); continue }
            guard let tier = Tier(rawValue: cell("tier")), tier != .soNganh else {
                issues.append(ConfigIssue(file: path, path: at, reason: "unknown tier '\(cell("tier"))' (tinh, huyen, xa)"))
                continue
            }
            guard let level = Int(cell("service_level")), (2...4).contains(level) else {
                issues.append(ConfigIssue(file: path, path: at, reason: "service_level '\(cell("service_level"))' is not 2, 3 or 4"))
                continue
            }
            let unit = cell("unit_code")
            if !unit.isEmpty {
                if let t = unitTier[unit] {
                    let matches = tier == .tinh ? (t == "tinh" || t == "so_nganh") : t == tier.rawValue
                    if !matches { issues.append(ConfigIssue(file: path, path: at, reason: "unit '\(unit)' is of tier \(t), not \(tier.rawValue)")) }
                } else {
                    issues.append(ConfigIssue(file: path, path: at, reason: "unit '\(unit)' is not in units.csv"))
                }
            }
            let key = "\(code)\u{0}\(tier.rawValue)\u{0}\(unit)"
            if let first = seen[key] {
                issues.append(ConfigIssue(file: path, path: at, reason: "duplicate row for procedure '\(code)', tier \(tier.rawValue)\(unit.isEmpty ? "" : ", unit \(unit)") (first on line \(first))"))
                continue
            }
            seen[key] = row.line
            rows.append(ProcedureRow(procedure: code, name: cell("procedure_name"), sector: cell("sector_code"),
                                     sectorName: cell("sector_name"), tier: tier, level: level, unit: unit.isEmpty ? nil : unit))
        }
        return rows
    }
}

/// The MaTTHC suffix rule of SPEC §2.2 on a String.
func stripProcedureSuffix(_ s: String) -> String {
    let bytes = Array(s.utf8)
    return bytes.withUnsafeBufferPointer { b -> String in
        guard let base = b.baseAddress else { return s }
        return stripProcedureSuffix(ByteText(base: base, count: b.count)).string
    }
}
