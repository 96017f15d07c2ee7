// Reads a pipeline file (SPEC §6) strictly: unknown keys, wrong types and bad values are
// collected as `ConfigIssue`s with their key paths, all at once, before anything runs.
import MotcuaFoundation
import MotcuaReading
import MotcuaAggregate
import MotcuaOutput
import Foundation
import Yams

public enum PipelineLoader {
    public static func load(path: String) throws -> Pipeline {
        var issues: [ConfigIssue] = []
        let p = load(path: path, issues: &issues)
        if !issues.isEmpty { throw ConfigErrors(issues: issues) }
        return p!
    }

    public static func load(path: String, issues: inout [ConfigIssue]) -> Pipeline? {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        guard let data = FileManager.default.contents(atPath: url.path),
              let text = String(data: data, encoding: .utf8) else {
            issues.append(ConfigIssue(file: path, path: "", reason: "cannot read pipeline file"))
            return nil
        }
        let node: Node
        do {
            guard let n = try Yams.compose(yaml: text) else {
                issues.append(ConfigIssue(file: path, path: "", reason: "empty pipeline file"))
                return nil
            }
            node = n
        } catch {
            issues.append(ConfigIssue(file: path, path: "", reason: "not valid YAML: \(cutContext("\(error)"))"))
            return nil
        }
        var walker = Walker(file: path, issues: [])
        let dir = url.deletingLastPathComponent().path
        let pipeline = walker.pipeline(node, directory: dir, defaultName: url.deletingPathExtension().lastPathComponent)
        issues += walker.issues
        return pipeline
    }
}

private struct Walker {
    let file: String
    var issues: [ConfigIssue]

    mutating func fail(_ node: Node?, _ path: String, _ reason: String) {
        issues.append(ConfigIssue(file: file, path: path, reason: reason, line: node?.mark.map { $0.line }))
    }

    /// The mapping's entries, reporting keys outside `allowed`.
    mutating func mapping(_ node: Node, _ path: String, allowed: [String]) -> [String: Node]? {
        guard case let .mapping(m) = node else { fail(node, path, "expected a mapping"); return nil }
        var out: [String: Node] = [:]
        for (k, v) in m {
            guard let key = k.string else { fail(k, path, "keys must be strings"); continue }
            let keyPath = path.isEmpty ? key : "\(path).\(key)"
            if !allowed.contains(key) {
                fail(k, keyPath, "unknown key (allowed: \(allowed.joined(separator: ", ")))")
            } else if out[key] != nil {
                fail(k, keyPath, "key given twice")
            } else {
                out[key] = v
            }
        }
        return out
    }

    mutating func string(_ node: Node, _ path: String) -> String? {
        guard case let .scalar(s) = node, node.tag != Tag(.null) || s.style != .plain || !s.string.isEmpty else {
            fail(node, path, "expected a string"); return nil
        }
        return s.string
    }

    mutating func stringList(_ node: Node, _ path: String) -> [String]? {
        guard case let .sequence(seq) = node else { fail(node, path, "expected a list"); return nil }
        var out: [String] = []
        for (i, item) in seq.enumerated() {
            if let s = string(item, "\(path)[\(i)]") { out.append(s) }
        }
        return out
    }

    mutating func bool(_ node: Node, _ path: String) -> Bool? {
        guard let b = node.bool, case .scalar = node else { fail(node, path, "expected true or false"); return nil }
        return b
    }

    mutating func number(_ node: Node, _ path: String) -> Double? {
        guard case let .scalar(s) = node, let v = Double(s.string), v.isFinite else { fail(node, path, "expected a number"); return nil }
        return v
    }

    mutating func oneOf<T: RawRepresentable>(_ node: Node, _ path: String, _ type: T.Type, _ all: [String]) -> T? where T.RawValue == String {
        guard let s = string(node, path) else { return nil }
        guard let v = T(rawValue: s) else { fail(node, path, "'\(s)' is not one of \(all.joined(separator: ", "))"); return nil }
        return v
    }

    mutating func day(_ node: Node, _ path: String) -> Int32? {
        guard let s = string(node, path) else { return nil }
        guard let d = parseDay(s) else { fail(node, path, "'\(s)' is not a date yyyy-MM-dd"); return nil }
        return d
    }

    func resolve(_ p: String, _ dir: String) -> String {
        URL(fileURLWithPath: p, relativeTo: URL(fileURLWithPath: dir, isDirectory: true)).standardizedFileURL.path
    }

    mutating func pipeline(_ root: Node, directory: String, defaultName: String) -> Pipeline? {
        let top = ["version", "name", "timezone", "inputs", "catalogs", "periods", "rules", "breakdown",
                   "report_units", "targets", "outputs", "limits", "state"]
        guard let m = mapping(root, "", allowed: top) else { return nil }
        var p = Pipeline(name: defaultName, directory: directory, outputDir: resolve("out", directory))
        p.file = file
        if let v = m["version"] {
            if v.int != 1 { fail(v, "version", "only version 1 is known") }
        } else {
            fail(root, "version", "missing (version: 1)")
        }
        if let n = m["name"], let s = string(n, "name") {
            if s.isEmpty || s.contains("/") { fail(n, "name", "must be a non-empty name without '/'") } else { p.name = s }
        }
        if let n = m["timezone"], let s = string(n, "timezone") {
            if let z = parseZone(s) { p.zoneMinutes = z } else { fail(n, "timezone", "'\(s)' is not ±hh:mm") }
        }
        if let n = m["inputs"] {
            if case let .sequence(seq) = n, !seq.isEmpty {
                for (i, item) in seq.enumerated() { if let spec = input(item, "inputs[\(i)]") { p.inputs.append(spec) } }
            } else {
                fail(n, "inputs", "expected a non-empty list of inputs")
            }
        } else {
            fail(root, "inputs", "missing")
        }
        if let n = m["catalogs"], let c = mapping(n, "catalogs", allowed: ["units", "procedures"]) {
            if let u = c["units"], let s = string(u, "catalogs.units") { p.unitsPath = resolve(s, directory) }
            if let u = c["procedures"], let s = string(u, "catalogs.procedures") { p.proceduresPath = resolve(s, directory) }
        }
        if let n = m["periods"] { p.periods = periods(n) }
        if let n = m["rules"], let r = oneOf(n, "rules", RuleSet.self, RuleSet.allCases.map(\.rawValue)) { p.rules = r }
        if let n = m["breakdown"], let list = stringList(n, "breakdown") {
            for s in list where s != "sector" { fail(n, "breakdown", "'\(s)' is not a breakdown (sector)") }
            p.breakdownBySector = list.contains("sector")
        }
        if let n = m["report_units"], let list = stringList(n, "report_units") {
            if list.isEmpty { fail(n, "report_units", "expected a non-empty list of unit codes") }
            for (i, code) in list.enumerated() {
                if code.isEmpty { fail(n, "report_units[\(i)]", "empty unit code") }
                if list[..<i].contains(code) { fail(n, "report_units[\(i)]", "'\(code)' given twice") }
            }
            p.reportUnits = list
        }
        if let n = m["targets"] { p.targets = targets(n) }
        if let n = m["state"], let s = string(n, "state") {
            if s.trimmingCharacters(in: .whitespaces).isEmpty { fail(n, "state", "empty: name the state directory") } else { p.statePath = resolve(s, directory) }
        }
        if let n = m["outputs"], let o = mapping(n, "outputs", allowed: ["dir", "formats", "form_scope", "postgres"] + OutputFiles.switches) {
            if let d = o["dir"], let s = string(d, "outputs.dir") {
                if s.trimmingCharacters(in: .whitespaces).isEmpty { fail(d, "outputs.dir", "empty: name the output directory") } else { p.outputDir = resolve(s, directory) }
            }
            if let f = o["formats"], let list = stringList(f, "outputs.formats") {
                var set = Set<OutputFormat>()
                for s in list {
                    if let v = OutputFormat(rawValue: s) { set.insert(v) } else { fail(f, "outputs.formats", "'\(s)' is not csv or json") }
                }
                p.outputs.formats = set
            }
            if let f = o["form_scope"], let scope = oneOf(f, "outputs.form_scope", Scope.self, ["own", "subtree"]) {
                p.outputs.formScope = scope
            }
            if let n = o["postgres"] { p.postgres = postgres(n) }
            for key in OutputFiles.switches {
                if let f = o[key], let b = bool(f, "outputs.\(key)") {
                    if b { p.outputs.switches.insert(key) } else { p.outputs.switches.remove(key) }
                }
            }
        }
        if let n = m["limits"], let l = mapping(n, "limits", allowed: ["max_reject_rate", "max_line_bytes", "on_corrupt_input", "max_staleness_days"]) {
            if let v = l["max_reject_rate"], let x = number(v, "limits.max_reject_rate") {
                if x < 0 || x > 1 { fail(v, "limits.max_reject_rate", "must be between 0 and 1") } else { p.maxRejectRate = x }
            }
            if let v = l["max_line_bytes"] {
                // Up to 1 GiB: each chunk buffer holds one whole record of that size.
                if case .scalar = v, let x = v.int, x >= 16, x <= 1 << 30 { p.maxLineBytes = x } else {
                    fail(v, "limits.max_line_bytes", "expected an integer from 16 to 1073741824 (1 GiB)")
                }
            }
            if let v = l["on_corrupt_input"], let c = oneOf(v, "limits.on_corrupt_input", CorruptPolicy.self, CorruptPolicy.allCases.map(\.rawValue)) {
                p.onCorruptInput = c
            }
            if let v = l["max_staleness_days"] {
                if case .scalar = v, let x = v.int, x >= 0, x <= Int(Int32.max) { p.maxStalenessDays = x } else {
                    fail(v, "limits.max_staleness_days", "expected an integer of 0 or more (days)")
                }
            }
        }
        return p
    }

    mutating func input(_ node: Node, _ path: String) -> InputSpec? {
        let settings = InputFormats.all.reduce(into: Set<String>()) { $0.formUnion($1.settingKeys) }
        guard let m = mapping(node, path, allowed: ["format", "paths"] + settings.sorted()) else { return nil }
        let names = InputFormats.names
        guard let fnode = m["format"] else { fail(node, "\(path).format", "missing (\(names.joined(separator: " or ")))"); return nil }
        guard let name = string(fnode, "\(path).format") else { return nil }
        guard let formatType = InputFormats.type(named: InputFormat(rawValue: name)) else {
            fail(fnode, "\(path).format", "'\(name)' is not one of \(names.joined(separator: ", "))")
            return nil
        }
        let format = InputFormat(rawValue: name)
        var spec = InputSpec(format: format, patterns: [])
        let applicable = formatType.settingKeys
        // (labels on a format without them has its own message, below.)
        for k in m.keys.sorted() where !["format", "paths", "labels"].contains(k) && !applicable.contains(k) {
            fail(m[k]!, "\(path).\(k)", "does not apply to \(name) inputs (they take: \(applicable.sorted().joined(separator: ", ")))")
        }
        if let pn = m["paths"] {
            if case .scalar = pn, let s = string(pn, "\(path).paths") { spec.patterns = [s] } else if let list = stringList(pn, "\(path).paths") { spec.patterns = list }
            if spec.patterns.isEmpty || spec.patterns.contains(where: \.isEmpty) { fail(pn, "\(path).paths", "expected non-empty glob patterns") }
        } else {
            fail(node, "\(path).paths", "missing")
        }
        if let d = m["delimiter"], let s = string(d, "\(path).delimiter") {
            if s.utf8.count == 1, let b = s.utf8.first, b != UInt8(ascii: "\""), b != 0x0A, b != 0x0D { spec.delimiter = b } else {
                fail(d, "\(path).delimiter", "must be one character such as \",\", \";\" or \"\\t\"")
            }
        }
        if let d = m["date_format"], let s = string(d, "\(path).date_format") {
            if let f = DateTimeForm(pattern: s) { spec.dateForm = f } else {
                fail(d, "\(path).date_format", "'\(s)' is not one of: \(DateTimeForm.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        if let n = m["sheet"], let s = string(n, "\(path).sheet") {
            if s.isEmpty { fail(n, "\(path).sheet", "expected a sheet name") } else { spec.sheet = s }
        }
        if let n = m["header_row"] {
            if case let .scalar(v) = n, let row = Int(v.string), row >= 1, row <= 1_048_576 { spec.headerRow = row } else {
                fail(n, "\(path).header_row", "expected a row number from 1 to 1048576")
            }
        }
        if let c = m["columns"] {
            if case let .mapping(map) = c {
                for (k, v) in map {
                    guard let key = k.string, let value = string(v, "\(path).columns.\(k.string ?? "?")") else { continue }
                    if !csvCanonicalFields.contains(key) {
                        fail(k, "\(path).columns.\(key)", "unknown field (one of \(csvCanonicalFields.joined(separator: ", ")))")
                    } else { spec.columns[key] = value }
                }
            } else { fail(c, "\(path).columns", "expected a mapping of field: header") }
        }
        if let l = m["labels"] {
            if formatType.settingKeys.contains("labels") { spec.labels = labels(l, "\(path).labels") } else {
                fail(l, "\(path).labels", "labels apply to spreadsheet inputs (\(InputFormats.all.filter { $0.settingKeys.contains("labels") }.map { $0.name.rawValue }.joined(separator: ", "))); \(name) has codes only (SPEC §2.2)")
            }
        }
        return spec
    }

    /// `labels: { status: { "Đang thực hiện": 4 }, boolean: { "x": true } … }` (SPEC §2.3):
    /// each label non-empty, not a number, with a code of its kind's list, and no two labels
    /// of a kind alike after NFC, trimming and case folding with different codes.
    mutating func labels(_ node: Node, _ path: String) -> [LabelKind: [String: Int]] {
        var out: [LabelKind: [String: Int]] = [:]
        guard let m = mapping(node, path, allowed: LabelKind.allCases.map(\.rawValue)) else { return out }
        for kind in LabelKind.allCases {
            guard let kn = m[kind.rawValue] else { continue }
            let kindPath = "\(path).\(kind.rawValue)"
            guard case let .mapping(pairs) = kn else { fail(kn, kindPath, "expected a mapping of label: code"); continue }
            let codes = kind == .boolean ? "true, false, 1 or 0" : "\(kind.codes.lowerBound)–\(kind.codes.upperBound)"
            var seen: [String: (label: String, code: Int)] = [:]
            for (k, v) in pairs {
                guard let label = k.string else { fail(k, kindPath, "labels must be strings"); continue }
                let labelPath = "\(kindPath)[\"\(label)\"]"
                let normalized = normalizeLabel(label)
                if normalized.isEmpty { fail(k, labelPath, "empty label (an empty cell is no value)"); continue }
                if kind != .boolean && normalized.utf8.allSatisfy(isDigit) {
                    fail(k, labelPath, "a number is read as the code itself, not as a label"); continue
                }
                let code: Int?
                if case .scalar = v, kind == .boolean, v.tag == Tag(.bool), let b = v.bool { code = b ? 1 : 0 } else if case .scalar = v, v.tag == Tag(.int) { code = v.int } else { code = nil }
                guard let code, kind.codes.contains(code) else {
                    fail(v, labelPath, "'\(v.string ?? "?")' is not a \(kind.rawValue) code (\(codes))"); continue
                }
                if let other = seen[normalized] {
                    if other.code != code {
                        fail(k, labelPath, "same label as \"\(other.label)\" (after NFC, trimming and case folding) with another code (\(other.code), \(code))")
                    }
                    continue
                }
                seen[normalized] = (label, code)
                out[kind, default: [:]][label] = code
            }
        }
        return out
    }

    /// `outputs.postgres`: `url` or `url_env`, and `schema`. A password never comes from the
    /// pipeline file (it is read, copied and committed): PGPASSWORD or ~/.pgpass give it.
    mutating func postgres(_ node: Node) -> PostgresTarget? {
        let path = "outputs.postgres"
        guard let m = mapping(node, path, allowed: ["url", "url_env", "schema"]) else { return nil }
        var schema = PostgresTarget.defaultSchema
        if let n = m["schema"], let s = string(n, "\(path).schema") {
            if PostgresTarget.isValidSchema(s) { schema = s } else {
                fail(n, "\(path).schema", "'\(s)' is not a schema name motcua makes (lower-case letters, digits and _, starting with a letter or _)")
            }
        }
        switch (m["url"], m["url_env"]) {
        case (let u?, nil):
            guard let text = string(u, "\(path).url") else { return nil }
            switch PostgresURL.parse(text) {
            case .failure(let problem):
                fail(u, "\(path).url", problem.reason)
            case .success(let url) where url.password != nil:
                fail(u, "\(path).url", "has a password: give it in PGPASSWORD or ~/.pgpass, never in the pipeline file")
            case .success(let url):
                return PostgresTarget(source: .url(url), schema: schema)
            }
        case (nil, let e?):
            guard let name = string(e, "\(path).url_env") else { return nil }
            if name.isEmpty || name.contains("=") || name.contains("$") {
                fail(e, "\(path).url_env", "'\(name)' is not an environment variable name (give the name, e.g. MOTCUA_DATABASE_URL)")
            } else {
                return PostgresTarget(source: .environment(name), schema: schema)
            }
        case (_?, _?):
            fail(node, path, "give url or url_env, not both")
        case (nil, nil):
            fail(node, path, "missing url (or url_env: the name of an environment variable holding it)")
        }
        return nil
    }

    mutating func periods(_ node: Node) -> PeriodRequest {
        var r = PeriodRequest()
        guard let m = mapping(node, "periods", allowed: ["kind", "from", "to", "period"]) else { return r }
        if let k = m["kind"] { r.kind = oneOf(k, "periods.kind", PeriodKind.self, PeriodKind.allCases.map(\.rawValue)) }
        if let f = m["from"] { r.from = day(f, "periods.from") }
        if let t = m["to"] { r.to = day(t, "periods.to") }
        if let f = r.from, let t = r.to, f > t { fail(node, "periods", "from is after to") }
        if let l = m["period"], let s = string(l, "periods.period") {
            r.label = s
            if let k = r.kind, Periods.parse(label: s, kind: k) == nil { fail(l, "periods.period", "'\(s)' is not a \(k.rawValue) label") }
        }
        return r
    }

    mutating func targets(_ node: Node) -> [Target] {
        guard case let .sequence(seq) = node else { fail(node, "targets", "expected a list"); return [] }
        var out: [Target] = []
        /// Per KPI, the first target of each (tier, scope).
        var seen: [String: [TargetKey: Int]] = [:]
        for (i, item) in seq.enumerated() {
            let path = "targets[\(i)]"
            guard let m = mapping(item, path, allowed: ["kpi", "tier", "scope", "min", "max"]) else { continue }
            guard let kn = m["kpi"], let kpi = string(kn, "\(path).kpi") else { fail(item, "\(path).kpi", "missing"); continue }
            if !kpiNames.contains(kpi) { fail(kn, "\(path).kpi", "unknown KPI '\(kpi)'") }
            var t = Target(kpi: kpi)
            if let n = m["tier"] { t.tier = oneOf(n, "\(path).tier", Tier.self, Tier.allCases.map(\.rawValue)) }
            if let n = m["scope"] { t.scope = oneOf(n, "\(path).scope", Scope.self, ["own", "subtree"]) }
            for key in ["min", "max"] {
                guard let n = m[key], let v = number(n, "\(path).\(key)") else { continue }
                if let s = n.string, let dot = s.firstIndex(of: "."), s[s.index(after: dot)...].count > 6 {
                    fail(n, "\(path).\(key)", "at most 6 decimals")
                }
                if key == "min" { t.min = v } else { t.max = v }
            }
            if t.min == nil && t.max == nil { fail(item, path, "needs min and/or max") }
            if let a = t.min, let b = t.max, a > b { fail(item, path, "min is above max") }
            // One message per target, naming the first it conflicts with; found among the few
            // (tier, scope) keys seen for its KPI, so thousands of targets cost no more than a pass.
            let earlier = seen[t.kpi, default: [:]].filter { key, _ in
                (key.tier == nil || t.tier == nil || key.tier == t.tier) && (key.scope == nil || t.scope == nil || key.scope == t.scope)
            }.values.min()
            if let j = earlier { fail(item, path, "conflicts with targets[\(j)] (both can apply to one row)") }
            if seen[t.kpi, default: [:]][TargetKey(tier: t.tier, scope: t.scope)] == nil {
                seen[t.kpi, default: [:]][TargetKey(tier: t.tier, scope: t.scope)] = i
            }
            out.append(t)
        }
        return out
    }
}

/// The YAML parser's message with its context cut to a few short lines (it may quote the
/// whole document: a duplicate key of a 50 MB file would echo 50 MB).
func cutContext(_ message: String, lines: Int = 8, width: Int = 200) -> String {
    let all = message.split(separator: "\n", omittingEmptySubsequences: false)
    var kept = all.prefix(lines).map { $0.count > width ? $0.prefix(width) + "…" : String($0) }
    if all.count > lines { kept.append("… (\(all.count - lines) more lines)") }
    return kept.joined(separator: "\n")
}

/// Where a target applies: a tier and a scope, nil for all.
private struct TargetKey: Hashable {
    let tier: Tier?
    let scope: Scope?
}

/// `±hh:mm` to minutes east of UTC.
func parseZone(_ s: String) -> Int? {
    let b = Array(s.utf8)
    guard b.count == 6, b[0] == UInt8(ascii: "+") || b[0] == UInt8(ascii: "-"), b[3] == UInt8(ascii: ":"),
          let h = Int(String(decoding: b[1...2], as: UTF8.self)), let m = Int(String(decoding: b[4...5], as: UTF8.self)),
          b[1...2].allSatisfy(isDigit), b[4...5].allSatisfy(isDigit), h <= 14, m <= 59 else { return nil }
    return (h * 60 + m) * (b[0] == UInt8(ascii: "-") ? -1 : 1)
}

/// Canonical field names a CSV input may map (SPEC §2.3).
let csvCanonicalFields = [
    "dossier_id", "unit_code", "procedure_code", "sector_code", "channel", "service_level", "status",
    "received_at", "due_at", "ended_at", "returned_at", "return_channel", "paid_online", "digitized",
    "fee_bearing", "e_result",
]
