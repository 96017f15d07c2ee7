// `motcua state DIR`: what a state holds, and with `--verify` every checksum checked. Reads
// under a shared lock, so that a run cannot switch or remove the generation meanwhile.
import MotcuaFoundation
import MotcuaReading
import Foundation
#if canImport(Glibc)
import Glibc
#endif

package struct StateDescription {
    package var path: String
    package var generation: String?
    package var formatVersion = StateFormat.version
    package var ledger: Ledger?
    package var partitions = StateFormat.partitionCount
    package var bytes = 0
    package var files = 0
    package var rejects = 0
    package var segments = 0
    /// Delta files over the partitions, their dossiers and bytes.
    package var deltas = 0
    package var deltaDossiers = 0
    package var deltaBytes = 0
    /// The bytes of the roll-up's sums (`rollup.bin`), nil when the generation keeps none.
    package var rollupBytes: Int?
    /// Files whose checksum was verified (`--verify`), nil when not asked.
    package var verified: Int?

    /// Reads the state at `path`; `verify` reads every file through its checksum (exit 65
    /// naming the first damaged one).
    package static func read(_ path: String, verify: Bool) throws -> StateDescription {
        let root = URL(fileURLWithPath: path).standardizedFileURL.path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDir), isDir.boolValue else {
            throw MotcuaError(.noInput, "\(path): no state directory there")
        }
        let fd = open("\(root)/.motcua-state.lock", O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            if flock(fd, LOCK_SH | LOCK_NB) != 0 {
                close(fd)
                throw MotcuaError(.locked, "\(path): a motcua run holds the state; try again when it has finished")
            }
        }
        defer { if fd >= 0 { close(fd) } }
        var d = StateDescription(path: root)
        guard let name = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(root)/current") else { return d }
        d.generation = name
        let dir = "\(root)/\(name)"
        do {
            var r = try StateFiles.read("\(dir)/ledger.bin", .ledger)
            d.ledger = try Ledger(&r)
        } catch let m as StateFormatMismatch {
            d.formatVersion = m.found
            return d
        }
        for n in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
            var st = stat()
            if stat("\(dir)/\(n)", &st) == 0 { d.bytes += Int(st.st_size); d.files += 1 }
            if n == StateDirectory.rollupName { d.rollupBytes = Int(st.st_size) }
        }
        d.segments = d.ledger?.segments.count ?? 0
        d.rejects = d.ledger?.segments.reduce(0) { $0 + $1.count } ?? 0
        let deltas = d.ledger?.deltas ?? []
        (d.deltas, d.deltaDossiers, d.deltaBytes) = (deltas.count, deltas.reduce(0) { $0 + $1.dossiers }, deltas.reduce(0) { $0 + $1.bytes })
        if verify {
            var checked = 1   // ledger.bin, read above
            for p in 0..<StateFormat.partitionCount {
                _ = try StateFiles.read("\(dir)/\(Snapshot.partitionName(p))", .partition)
                checked += 1
            }
            for delta in deltas {
                _ = try Snapshot.DeltaSlices("\(dir)/\(delta.name)", dossiers: delta.dossiers)
                checked += 1
            }
            for s in d.ledger?.segments ?? [] {
                close(try StateFiles.openChecked("\(dir)/\(s.name)", .rejects))
                checked += 1
            }
            if d.rollupBytes != nil {
                _ = try StateFiles.read("\(dir)/\(StateDirectory.rollupName)", .rollup)
                checked += 1
            }
            d.verified = checked
        }
        return d
    }
}
