// What one parse worker accumulates over the chunks it is given: latest version per dossier,
// counts per file, rejects and line counts per chunk. Partials merge in a fixed order, and
// "latest" is a max over record positions, so the result is the same for any thread count.

public struct RejectEntry {
    public var position: RecordPosition
    public var reason: RejectReason
    public var excerpt: [UInt8]
}

public struct FileCounts {
    public var records = 0
    public var accepted = 0
    public var rejected = 0
}

public final class PartialResult {
    public var ids = ByteKeyTable(capacity: 1 << 14)
    public var states: [DossierState] = []
    public var units = Interner()
    public var procedures = Interner()
    public var sectors = Interner()
    public var files: [FileCounts]
    /// This worker's rejects first, then those of partials merged into it.
    public var rejectLogs: [RejectLog]
    /// Lines per (file, chunk), to turn chunk-relative line numbers into file lines.
    public var chunkLines: [(file: Int32, chunk: Int32, lines: Int)] = []

    public init(fileCount: Int, spillDirectory: String? = nil, keepFirstRejects: Int = Int.max) {
        files = [FileCounts](repeating: FileCounts(), count: fileCount)
        rejectLogs = [RejectLog(spillDirectory: spillDirectory, keepFirst: keepFirstRejects)]
    }

    /// Rejected records of all merged partials, in input order.
    var rejectCount: Int { rejectLogs.reduce(0) { $0 + $1.count } }

    @inline(__always)
    func keep(id: ByteText, _ state: DossierState) {
        let (idx, inserted) = ids.findOrInsert(id.base!, id.count)
        if inserted {
            states.append(state)
        } else if states[idx].position < state.position {
            states[idx] = state
        }
    }

    /// Folds `other` into this partial.
    public func merge(_ other: PartialResult) {
        let unitMap = remap(other.units, into: &units)
        let procMap = remap(other.procedures, into: &procedures)
        let sectorMap = remap(other.sectors, into: &sectors)
        for i in 0..<other.states.count {
            var s = other.states[i]
            s.unit = s.unit < 0 ? -1 : unitMap[Int(s.unit)]
            s.procedure = s.procedure < 0 ? -1 : procMap[Int(s.procedure)]
            s.sector = s.sector < 0 ? -1 : sectorMap[Int(s.sector)]
            let (idx, inserted) = other.ids.withKey(i) { p, n in ids.findOrInsert(p, n, hash: other.ids.hash(at: i)) }
            if inserted {
                states.append(s)
            } else if states[idx].position < s.position {
                states[idx] = s
            }
        }
        for f in 0..<files.count {
            files[f].records += other.files[f].records
            files[f].accepted += other.files[f].accepted
            files[f].rejected += other.files[f].rejected
        }
        rejectLogs.append(contentsOf: other.rejectLogs)
        chunkLines.append(contentsOf: other.chunkLines)
    }

    private func remap(_ from: Interner, into: inout Interner) -> [Int32] {
        (0..<from.count).map { i in
            from.table.withKey(i) { p, n in Int32(into.table.findOrInsert(p, n).index) }
        }
    }
}
