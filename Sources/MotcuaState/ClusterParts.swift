// The cluster's steps on state files (issue 14, docs/DISTRIBUTED.md). A map task's output is
// a state directory over an ordered subset of the inputs; `reduce` merges one partition of
// every map; `finish` assembles one generation from the maps' ledgers and the reduced
// partitions. Files are numbered by their rank among all maps' paths in bytewise order —
// SPEC's input order, once the maps cover the inputs — and codes by their rank in the
// bytewise union of the maps' code tables: every task derives the same numbering from the
// same map outputs, given in any order, without talking to the others.
import MotcuaFoundation
import MotcuaReading
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A map task's output (a state directory), read without its lock: written once, then only read.
package struct MapOutput {
    package let path: String
    let generationDir: String
    package let ledger: Ledger

    /// Made from the same files (path, size, digest, input mapping) under the same settings.
    package func sameTask(as other: MapOutput) -> Bool {
        ledger.mapping == other.ledger.mapping && ledger.entries.count == other.ledger.entries.count
            && zip(ledger.entries, other.ledger.entries).allSatisfy {
                $0.path == $1.path && $0.size == $1.size && $0.digest == $1.digest && $0.mapping == $1.mapping
            }
    }

    package static func open(_ path: String) throws -> MapOutput {
        let root = URL(fileURLWithPath: path).standardizedFileURL.path
        guard let name = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(root)/current") else {
            throw MotcuaError(.noInput, "\(path): not a map output (no state generation there); run its map task")
        }
        let dir = "\(root)/\(name)"
        do {
            var r = try StateFiles.read("\(dir)/ledger.bin", .ledger)
            return MapOutput(path: root, generationDir: dir, ledger: try Ledger(&r))
        } catch let m as StateFormatMismatch {
            throw MotcuaError(.data, "\(path): written in state format \(m.found), this motcua reads format \(StateFormat.version); run its map task again")
        }
    }
}

/// How the map outputs' files and codes are numbered in the merged state.
package struct ClusterLayout {
    package let maps: [MapOutput]
    /// Every map's files, in input order: a file's index here is its ledger id in the merged state.
    package let paths: [String]
    /// Per map: its ledger ids → indices in `paths`.
    let fileMaps: [[Int32]]
    /// The merged state's code tables: the union of the maps', in bytewise order.
    let codes: Ledger
    /// The run settings the maps were made with (`InputMapping.global`).
    package let mapping: String

    package init(maps: [MapOutput]) throws {
        guard let first = maps.first else { throw MotcuaError(.usage, "no map outputs given") }
        for m in maps where m.ledger.mapping != first.ledger.mapping {
            throw MotcuaError(.data, "\(m.path) was made with other run settings than \(first.path) (\(m.ledger.mapping.split(separator: "\n").joined(separator: ", ")) against \(first.ledger.mapping.split(separator: "\n").joined(separator: ", "))); run the maps again with one motcua and one pipeline")
        }
        var owner: [String: String] = [:]
        for m in maps {
            for e in m.ledger.entries {
                if let other = owner[e.path] {
                    throw MotcuaError(.data, "\(e.path) was read by two map tasks, \(other) and \(m.path): give each input file to one map")
                }
                owner[e.path] = m.path
            }
        }
        paths = owner.keys.sorted(by: bytewiseLess)
        var rank: [String: Int32] = [:]
        for (i, p) in paths.enumerated() { rank[p] = Int32(i) }
        fileMaps = maps.map { $0.ledger.entries.map { rank[$0.path]! } }
        func union(_ tables: [[[UInt8]]]) -> [[UInt8]] {
            Set(tables.joined()).sorted { $0.lexicographicallyPrecedes($1) }
        }
        var codes = Ledger()
        codes.units = union(maps.map(\.ledger.units))
        codes.procedures = union(maps.map(\.ledger.procedures))
        codes.sectors = union(maps.map(\.ledger.sectors))
        self.codes = codes
        self.maps = maps
        mapping = first.ledger.mapping
        cachedFingerprint = ClusterLayout.fingerprint(maps: maps, paths: paths, mapping: mapping, codes: codes)
    }

    private let cachedFingerprint: String

    var identity: [Int32] { (0..<Int32(paths.count)).map { $0 } }

    /// What a reduced partition was merged from — every file's path, size and digest, the
    /// settings and the code tables — as one digest: written beside each `part-JJ.bin`, so that
    /// `finish` refuses a partition reduced from other map outputs instead of mixing them.
    var fingerprint: String { cachedFingerprint }

    private static func fingerprint(maps: [MapOutput], paths: [String], mapping: String, codes: Ledger) -> String {
        var w = StateWriter()
        var entries: [String: LedgerEntry] = [:]
        for m in maps { for e in m.ledger.entries { entries[e.path] = e } }
        for p in paths {
            let e = entries[p]!
            w.text(p)
            w.int(e.size)
            w.u64(e.digest.low)
            w.u64(e.digest.high)
        }
        w.text(mapping)
        for table in [codes.units, codes.procedures, codes.sectors] {
            w.int(table.count)
            for code in table { w.data(code) }
        }
        return ContentDigest.of(bytes: w.bytes).hex
    }

    static func fingerprintName(_ partition: Int) -> String {
        Snapshot.partitionName(partition).replacingOccurrences(of: ".bin", with: ".from")
    }
}

package enum ClusterMerge {
    /// Merges partition `j` of every map into `dir/part-JJ.bin`, with `part-JJ.from` beside it
    /// (written under temporary names and renamed: a task run twice leaves the same result).
    /// Returns its dossiers.
    package static func reduce(partition j: Int, _ layout: ClusterLayout, to dir: String) throws -> Int {
        guard (0..<StateFormat.partitionCount).contains(j) else {
            throw MotcuaError(.usage, "--partition \(j): partitions are 0 to \(StateFormat.partitionCount - 1)")
        }
        let merged = PartialResult(fileCount: 0)
        try StateDirectory.internCodes(layout.codes, into: merged, ledgerPath: "the maps' code tables")
        for (m, map) in layout.maps.enumerated() {
            // One map at a time: memory holds the merged partition and one map's share of it.
            let part = PartialResult(fileCount: 0)
            try StateDirectory.internCodes(map.ledger, into: part, ledgerPath: "\(map.generationDir)/ledger.bin")
            _ = try Snapshot.loadDossiers(map.generationDir, deltas: map.ledger.deltas, into: part, fileMap: layout.fileMaps[m],
                                          codes: (Int32(map.ledger.units.count), Int32(map.ledger.procedures.count), Int32(map.ledger.sectors.count)),
                                          only: j, threads: 1)
            merged.merge([part])
        }
        try makeDirectory(dir)
        let temp = "\(dir)/.motcua-tmp-\(getpid())-part-\(j)"
        try? FileManager.default.removeItem(atPath: temp)
        guard mkdir(temp, 0o755) == 0 else { throw MotcuaError(.cantCreate, "\(temp): cannot create: \(String(cString: strerror(errno)))") }
        defer { try? FileManager.default.removeItem(atPath: temp) }
        // Not fsynced: an intermediate file (a crash of its machine makes the run start again).
        let written = try Snapshot.saveDossiers(merged, ledgerIds: layout.identity, to: temp, only: j, sync: false, threads: 1)
        let from = ClusterLayout.fingerprintName(j)
        do {
            let file = try SyncedFile(creating: "\(temp)/\(from)")
            try file.write(Array("\(layout.fingerprint)\n\(written)\n".utf8))
        } catch let e as OutputError {
            throw MotcuaError(.io, e.message)
        }
        // The partition first: killed between the two renames, a new part-JJ.bin beside the
        // previous fingerprint is refused by finish (and the task run again), where a previous
        // part-JJ.bin beside the new fingerprint would be taken.
        for name in [Snapshot.partitionName(j), from] {
            guard rename("\(temp)/\(name)", "\(dir)/\(name)") == 0 else {
                throw MotcuaError(.io, "\(dir)/\(name): cannot rename into place: \(String(cString: strerror(errno)))")
            }
        }
        return written
    }

    /// Writes one generation of `state` from the maps' ledgers and rejects and the reduced
    /// partitions found in `parts` (each exactly once), and makes it current. Returns its dossiers.
    /// `fanIn`: reject segments merged at once (each an open file).
    package static func assemble(_ layout: ClusterLayout, parts: [String], into state: StateDirectory, fanIn: Int = 256) throws -> Int {
        let (name, dir) = try state.begin(generation: (state.currentGeneration ?? 0) + 1)
        var ledger = layout.codes
        ledger.generation = state.pending!.number
        ledger.mapping = layout.mapping
        var entries = [LedgerEntry?](repeating: nil, count: layout.paths.count)
        for (m, map) in layout.maps.enumerated() {
            for (id, e) in map.ledger.entries.enumerated() { entries[Int(layout.fileMaps[m][id])] = e }
        }
        ledger.entries = entries.map { $0! }
        var unitIndex: [[UInt8]: Int32] = [:]
        for (i, u) in layout.codes.units.enumerated() { unitIndex[u] = Int32(i) }
        var rejectsByUnit: [Int32: ExampleIds] = [:]
        var segments: [(segment: RejectSegment, dir: String, fileMap: [Int32])] = []
        for (m, map) in layout.maps.enumerated() {
            ledger.newestDay = max(ledger.newestDay, map.ledger.newestDay)
            for (unit, tally) in map.ledger.rejectsByUnit {
                rejectsByUnit[unitIndex[map.ledger.units[Int(unit)]]!, default: ExampleIds()].merge(tally)
            }
            for s in map.ledger.segments { segments.append((s, map.generationDir, layout.fileMaps[m])) }
        }
        ledger.rejectsByUnit = rejectsByUnit.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        // The maps' rejects as one segment, in input order, files named by the merged ledger:
        // merged a few hundred segments at a time (each is an open file), into temporary
        // segments, until one merge takes them all.
        var round = 0
        while segments.count > fanIn {
            var merged: [(segment: RejectSegment, dir: String, fileMap: [Int32])] = []
            for start in stride(from: 0, to: segments.count, by: fanIn) {
                let group = segments[start..<min(start + fanIn, segments.count)]
                let logs = try group.map { try Snapshot.loadRejects($0.segment, in: $0.dir, fileMap: $0.fileMap) }
                if let s = try Snapshot.saveRejects(logs, ledgerIds: layout.identity, name: "rejects-merge-\(round)-\(start).bin", to: dir, sync: false) {
                    merged.append((s, dir, layout.identity))
                }
            }
            for old in segments where old.dir == dir { unlink("\(dir)/\(old.segment.name)") }
            segments = merged
            round += 1
        }
        let logs = try segments.map { try Snapshot.loadRejects($0.segment, in: $0.dir, fileMap: $0.fileMap) }
        if let segment = try Snapshot.saveRejects(logs, ledgerIds: layout.identity, name: "rejects-\(name.dropFirst()).bin", to: dir,
                                                  sync: state.durable) {
            ledger.segments = [segment]
        }
        for old in segments where old.dir == dir { unlink("\(dir)/\(old.segment.name)") }
        let fingerprint = layout.fingerprint
        for p in 0..<StateFormat.partitionCount {
            let file = Snapshot.partitionName(p)
            let found = parts.map { (dir: String) -> String in "\(URL(fileURLWithPath: dir).standardizedFileURL.path)/\(file)" }
                .filter { FileManager.default.fileExists(atPath: $0) }
            guard found.count == 1 else {
                throw MotcuaError(.noInput, found.isEmpty ? "partition \(p): no \(file) in the --parts directories; run its reduce task"
                                                          : "partition \(p): \(file) is in several --parts directories: \(found.joined(separator: ", "))")
            }
            // Its fingerprint and dossier count (the partition's checksum is checked as the run loads it).
            let from = (found[0] as NSString).deletingLastPathComponent + "/" + ClusterLayout.fingerprintName(p)
            let recorded = (try? String(contentsOfFile: from, encoding: .utf8))?.split(separator: "\n").map(String.init) ?? []
            guard recorded.count == 2, recorded[0] == fingerprint, let count = Int(recorded[1]) else {
                throw MotcuaError(.data, "\(found[0]) was reduced from other map outputs than the --maps given (\(recorded.isEmpty ? "\(from) is missing" : "\(from) differs")); run its reduce task again with these maps")
            }
            ledger.dossiers += count
            try linkOrCopy(found[0], "\(dir)/\(file)", sync: state.durable)
        }
        try StateFiles.write("\(dir)/ledger.bin", .ledger, ledger.encoded(), sync: state.durable)
        if state.durable {
            try StateDirectory.syncDirectory(dir)
            try StateDirectory.syncDirectory(state.path)
        }
        try state.commit()
        return ledger.dossiers
    }

    /// A reduced partition into the state; `sync`: made durable there (reduce did not fsync it).
    private static func linkOrCopy(_ from: String, _ to: String, sync: Bool) throws {
        if link(from, to) == 0 {
            guard sync else { return }
            let fd = open(to, O_RDONLY | O_CLOEXEC)
            defer { if fd >= 0 { close(fd) } }
            guard fd >= 0, fsync(fd) == 0 else { throw MotcuaError(.io, "\(to): fsync failed: \(String(cString: strerror(errno)))") }
            return
        }
        do {
            let file = try SyncedFile(creating: to)
            guard let data = FileManager.default.contents(atPath: from) else {
                throw MotcuaError(.noInput, "\(from): cannot be read: \(String(cString: strerror(errno)))")
            }
            try file.write(Array(data))
            if sync { try file.sync() }
        } catch let e as OutputError {
            throw MotcuaError(.io, "\(e.message) (copying a reduced partition into the state)")
        }
    }

    private static func makeDirectory(_ path: String) throws {
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw MotcuaError(.cantCreate, "\(path): cannot create: \(error.localizedDescription)")
        }
    }
}
