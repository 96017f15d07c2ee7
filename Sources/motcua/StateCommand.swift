// `motcua state DIR`: what the state kept between runs holds; `--verify` checks every file.
import ArgumentParser
import Foundation
import MotcuaFoundation
import MotcuaState

struct StateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state",
        abstract: "Show what a state directory (run --state) holds; --verify checks every checksum.",
        discussion: "Examples:\n  motcua state /var/lib/motcua/state\n  motcua state --verify --files /var/lib/motcua/state")

    @Argument(help: "The state directory.") var directory: String
    @Flag(help: "Read every file of the current generation and check its checksum (exit 65 if one fails).") var verify = false
    @Flag(help: "List the input files the state has taken in.") var files = false

    func run() throws {
        let d: StateDescription
        do { d = try StateDescription.read(directory, verify: verify) } catch let e as MotcuaError { exitWith(e) }
        print("state \(d.path)")
        guard let generation = d.generation else {
            print("  empty: no run has saved a state here yet")
            return
        }
        guard let ledger = d.ledger else {
            print("  generation  \(generation), format \(d.formatVersion): written by another motcua; the next run rebuilds it")
            return
        }
        let entries = ledger.entries
        let skipped = entries.filter(\.skipped).count
        let records = entries.reduce(0) { $0 + $1.counts.records }, accepted = entries.reduce(0) { $0 + $1.counts.accepted }
        print("  generation  \(ledger.generation) (\(generation)), format \(d.formatVersion)")
        print("  files       \(entries.count) taken in" + (skipped > 0 ? " (\(skipped) left out as corrupt)" : ""))
        print("  records     \(records) read = \(accepted) accepted + \(records - accepted) rejected")
        print("  dossiers    \(ledger.dossiers) in \(d.partitions) partitions" + (d.deltas > 0 ? " and \(d.deltas) delta\(d.deltas == 1 ? "" : "s")" : ""))
        if d.deltas > 0 {
            print("  deltas      \(d.deltas) (\(d.deltaDossiers) dossiers, \(d.deltaBytes) bytes) since the partitions were last written")
        }
        if let n = d.rollupBytes { print("  roll-up     \(n) bytes of sums, updated by the next run instead of summed again") }
        print("  rejects     \(d.rejects) in \(d.segments) segment\(d.segments == 1 ? "" : "s")")
        let perDossier = ledger.dossiers > 0 ? String(format: ", %.1f per dossier", Double(d.bytes) / Double(ledger.dossiers)) : ""
        print("  bytes       \(d.bytes) in \(d.files) files\(perDossier)")
        print("  settings    " + ledger.mapping.split(separator: "\n").joined(separator: ", "))
        if let n = d.verified { print("  verified    \(n) files: every checksum matches") }
        if files {
            print("  input files (path, bytes, xxh3-128, records):")
            for e in entries {
                print("    \(e.path)  \(e.size)  \(e.digest.hex)  \(e.counts.records)" + (e.skipped ? "  (left out: corrupt)" : ""))
            }
        }
    }
}
