// What a run with a state reads: the ledger against the run's input files. A file the ledger
// holds with the same path, size, digest and input mapping is not read again; any other
// file is new. What cannot be merged is rebuilt, never guessed: a known file whose content
// changed or that disappeared, other run settings that shape reading, a state of another
// format version, or `--full-refresh` — then every file is read and the state starts over.
import MotcuaFoundation
import MotcuaReading
import Foundation

package struct StatePlan {
    /// Why every file is read again (nil: the state is extended).
    package var rebuild: String?
    /// The state's ledger when it is extended.
    package var previous: Ledger?
    /// The number of the generation this run writes (one past the current, rebuilt or not),
    /// and the current one's (0: none).
    package var generation: Int
    package var current: Int
    /// Per input index: its ledger entry's index when the ledger has it (not read again).
    package var known: [Int?]
    /// Per input index: its id in the next ledger.
    package var ledgerIds: [Int32]
    /// Ledger id → input index, for the entries of `previous`.
    package var fileMap: [Int32]
    /// Per input index: size and digest (the next ledger's key).
    package var sizes: [Int]
    package var digests: [ContentDigest?]

    package var reused: Int { known.lazy.filter { $0 != nil }.count }

    /// Nothing new to take in: the current generation stays current (none is written).
    package var unchanged: Bool { rebuild == nil && previous != nil && reused == known.count }

    /// Compares the ledger with `files` (in input order); `mapping` is each file's input
    /// mapping and `global` the run settings that shape reading. `trustDigests`: a file of the
    /// ledger's path and size keeps the ledger's digest unread (`finish`: the map tasks took
    /// the digests minutes ago, and reading a cluster's input again on one machine is what
    /// the cluster is there to avoid).
    package static func make(files: [InputFile], mapping: [String], global: String, state: (ledger: Ledger?, formatMismatch: UInt32?),
                             currentGeneration: Int, fullRefresh: Bool, trustDigests: Bool = false, threads: Int) -> StatePlan {
        var trusted: [String: (size: Int, digest: ContentDigest)] = [:]
        if trustDigests, let ledger = state.ledger { for e in ledger.entries { trusted[e.path] = (e.size, e.digest) } }
        let keys = SideBySide.slices(files.count, threads: threads, minimum: 1) { range in
            range.map { i -> (Int, ContentDigest?) in
                let f = files[i]
                let size = f.sizeOnDisk ?? -1
                if let t = trusted[f.relativePath], t.size == size { return (size, t.digest) }
                return (size, ContentDigest.of(f.absolutePath))
            }
        }.flatMap { $0 }
        var plan = StatePlan(rebuild: nil, previous: nil, generation: currentGeneration + 1, current: currentGeneration, known: [Int?](repeating: nil, count: files.count),
                             ledgerIds: files.indices.map { Int32($0) }, fileMap: [], sizes: keys.map(\.0), digests: keys.map(\.1))
        if fullRefresh {
            plan.rebuild = "--full-refresh"
            return plan
        }
        if let found = state.formatMismatch {
            plan.rebuild = "the state was written in format \(found), this motcua writes format \(StateFormat.version)"
            return plan
        }
        guard let ledger = state.ledger else {
            plan.rebuild = "the state was empty"
            return plan
        }
        if ledger.mapping != global {
            plan.rebuild = "the run settings that shape reading changed (\(changedSettings(ledger.mapping, global)))"
            return plan
        }
        var indexByPath: [String: Int] = [:]
        for (i, f) in files.enumerated() { indexByPath[f.relativePath] = i }
        var fileMap: [Int32] = []
        var known = plan.known
        for (id, e) in ledger.entries.enumerated() {
            guard let i = indexByPath[e.path] else {
                plan.rebuild = "\(e.path) is no longer among the inputs"
                return plan
            }
            guard plan.sizes[i] == e.size, plan.digests[i] == e.digest else {
                plan.rebuild = "\(e.path) changed since it was read"
                return plan
            }
            guard mapping[i] == e.mapping else {
                plan.rebuild = "\(e.path) is now read with other input settings (\(changedSettings(e.mapping, mapping[i])))"
                return plan
            }
            known[i] = id
            fileMap.append(Int32(i))
        }
        plan.known = known
        // New files take the next ids, in input order.
        var next = Int32(ledger.entries.count)
        for i in files.indices {
            if let id = plan.known[i] {
                plan.ledgerIds[i] = Int32(id)
            } else {
                plan.ledgerIds[i] = next
                next += 1
            }
        }
        plan.previous = ledger
        plan.fileMap = fileMap
        return plan
    }

    /// The `key=value` lines that differ, by key.
    private static func changedSettings(_ old: String, _ new: String) -> String {
        func pairs(_ s: String) -> [String: String] {
            var out: [String: String] = [:]
            for line in s.split(separator: "\n") {
                let kv = line.split(separator: "=", maxSplits: 1)
                out[String(kv[0])] = kv.count > 1 ? String(kv[1]) : ""
            }
            return out
        }
        let (a, b) = (pairs(old), pairs(new))
        let keys = Set(a.keys).union(b.keys).filter { a[$0] != b[$0] }.sorted()
        return keys.map { "\($0): \(a[$0] ?? "none") → \(b[$0] ?? "none")" }.joined(separator: "; ")
    }
}

/// The settings that shape how a file is read, as `key=value` lines: equal text, equal reading.
package enum InputMapping {
    /// One file's input: its format and every mapping key.
    package static func fingerprint(_ spec: InputSpec) -> String {
        var lines = ["format=\(spec.format.rawValue)", "delimiter=\(spec.delimiter)", "date_format=\(spec.dateForm?.rawValue ?? "")",
                     "sheet=\(spec.sheet ?? "")", "header_row=\(spec.headerRow.map(String.init) ?? "")"]
        for (k, v) in spec.columns.sorted(by: { $0.key < $1.key }) { lines.append("columns.\(k)=\(v)") }
        for (kind, table) in spec.labels.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            for (label, code) in table.sorted(by: { $0.key < $1.key }) { lines.append("labels.\(kind.rawValue).\(label)=\(code)") }
        }
        return lines.joined(separator: "\n")
    }

    /// The run settings every file is read with.
    package static func global(zoneMinutes: Int, maxLineBytes: Int, onCorruptInput: CorruptPolicy) -> String {
        ["motcua=\(motcuaVersion)", "timezone_minutes=\(zoneMinutes)", "max_line_bytes=\(maxLineBytes)",
         "on_corrupt_input=\(onCorruptInput.rawValue)"].joined(separator: "\n")
    }
}
