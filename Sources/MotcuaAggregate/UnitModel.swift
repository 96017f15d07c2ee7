// The units a run reports on (SPEC §2.5, §5.3): every unit of units.csv plus every unknown
// unit seen in dossiers (a root of tier `unknown`), with children for the subtree scope,
// and the catalog lookups that give a dossier its sector.
import MotcuaFoundation
import MotcuaReading

public struct UnitModel {
    public var units: [UnitInfo]
    public var children: [[Int]]
    public var indexByCode: [String: Int]
    public var unknownCodes: [String]

    public init(catalog: [UnitInfo], dossierUnitCodes: [String]) {
        units = catalog
        indexByCode = [:]
        for (i, u) in units.enumerated() { indexByCode[u.code] = i }
        var unknown = Set<String>()
        for code in dossierUnitCodes where indexByCode[code] == nil { unknown.insert(code) }
        unknownCodes = unknown.sorted(by: bytewiseLess)
        for code in unknownCodes {
            indexByCode[code] = units.count
            units.append(UnitInfo(code: code, name: "", tier: "unknown", parent: ""))
        }
        children = [[Int]](repeating: [], count: units.count)
        for (i, u) in units.enumerated() where !u.parent.isEmpty {
            if let p = indexByCode[u.parent] { children[p].append(i) }
        }
    }

    /// Which units are `codes` or below one of them (every unit when `codes` is nil; codes
    /// not in the model select nothing).
    public func subtrees(of codes: [String]?) -> [Bool] {
        guard let codes else { return [Bool](repeating: true, count: units.count) }
        var selected = [Bool](repeating: false, count: units.count)
        var stack = codes.compactMap { indexByCode[$0] }
        while let u = stack.popLast() {
            if selected[u] { continue }
            selected[u] = true
            stack += children[u]
        }
        return selected
    }

    /// Every unit's subtree as a range of one pre-order list: `order[start[u]..<end[u]]` is `u`
    /// then everything below it. Memory linear in the units (a list per unit would be units ×
    /// depth: 2.4 GB for a 20,000-deep chain).
    public var subtreeRanges: (order: [Int], start: [Int], end: [Int]) {
        var order: [Int] = []
        order.reserveCapacity(units.count)
        var start = [Int](repeating: 0, count: units.count), end = start
        depthFirst(enter: { start[$0] = order.count; order.append($0) }, leave: { end[$0] = order.count })
        return (order, start, end)
    }

    /// Units in post-order (children before parents), for subtree sums.
    public var postOrder: [Int] {
        var out: [Int] = []
        out.reserveCapacity(units.count)
        depthFirst(enter: { _ in }, leave: { out.append($0) })
        return out
    }

    /// Every tree, depth first, each unit entered before and left after those below it.
    /// Iterative: a chain of 100k units is 100k levels deep, too deep for recursion.
    private func depthFirst(enter: (Int) -> Void, leave: (Int) -> Void) {
        var visited = [Bool](repeating: false, count: units.count)
        var stack: [(unit: Int, next: Int)] = []
        for root in 0..<units.count where !visited[root] {
            visited[root] = true
            enter(root)
            stack.append((root, 0))
            while let top = stack.last {
                let kids = children[top.unit]
                if top.next < kids.count {
                    stack[stack.count - 1].next += 1
                    let c = kids[top.next]
                    if !visited[c] {
                        visited[c] = true
                        enter(c)
                        stack.append((c, 0))
                    }
                } else {
                    leave(top.unit)
                    stack.removeLast()
                }
            }
        }
    }
}

/// Sector of a dossier (SPEC §5.3): MaLinhVuc, else the catalog row for (its unit's tier,
/// procedure) — a row naming the unit first — else the procedure's first row, else none.
public struct SectorResolver {
    private var byUnit: [String: String] = [:]      // "proc\0tier\0unit"
    private var byTier: [String: String] = [:]      // "proc\0tier"
    private var first: [String: String] = [:]       // "proc"

    public init(procedures: [ProcedureRow]) {
        for r in procedures {
            if let u = r.unit {
                if byUnit["\(r.procedure)\u{0}\(r.tier.rawValue)\u{0}\(u)"] == nil { byUnit["\(r.procedure)\u{0}\(r.tier.rawValue)\u{0}\(u)"] = r.sector }
            } else if byTier["\(r.procedure)\u{0}\(r.tier.rawValue)"] == nil {
                byTier["\(r.procedure)\u{0}\(r.tier.rawValue)"] = r.sector
            }
            if first[r.procedure] == nil { first[r.procedure] = r.sector }
        }
    }

    /// Catalog tier that applies to a unit tier: `tinh` rows cover tinh and so_nganh units.
    static func catalogTier(_ unitTier: String) -> String? {
        switch unitTier {
        case "tinh", "so_nganh": return "tinh"
        case "huyen", "xa": return unitTier
        default: return nil
        }
    }

    public func sector(procedure: String, unit: UnitInfo) -> String? {
        if let t = SectorResolver.catalogTier(unit.tier) {
            if let s = byUnit["\(procedure)\u{0}\(t)\u{0}\(unit.code)"] { return s.isEmpty ? nil : s }
            if let s = byTier["\(procedure)\u{0}\(t)"] { return s.isEmpty ? nil : s }
        }
        if let s = first[procedure] { return s.isEmpty ? nil : s }
        return nil
    }
}
