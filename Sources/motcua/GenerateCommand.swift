// `motcua generate --out DIR`: deterministic synthetic exports and catalogs (SPEC §7.1).
import ArgumentParser
import Foundation
import MotcuaFoundation
import MotcuaReading
import MotcuaAggregate
import MotcuaOutput
import MotcuaPipeline
import MotcuaRun
import MotcuaGenerate

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write synthetic daily exports and catalogs of a made-up province (same seed, same bytes).",
        discussion: """
        Writes DIR/catalogs/units.csv, DIR/catalogs/procedures.csv and one export per day, \
        DIR/exports/hoso-YYYY-MM-DD.ndjson.gz (or .csv.gz), replacing older hoso-* files there. \
        The simulation starts six weeks before --start, so the first files already carry \
        dossiers that are still moving.

        Examples:
          motcua generate --out SampleData --units 15 --days 42 --dossiers-per-day 56 --seed 2 --start 2024-02-19
          motcua generate --out /tmp/big --units 300 --days 365 --dossiers-per-day 3000 --start 2024-01-01
          motcua generate --out /tmp/excel --format csv --days 7
        """)

    @Option(help: "Output directory.") var out: String
    @Option(help: "Units in units.csv (4-5000): the province committee, departments, districts and communes.") var units = 15
    @Option(help: "Daily export files, one per calendar day from --start.") var days = 42
    @Option(name: .customLong("dossiers-per-day"), help: "New dossiers on an ordinary working day, whole province.") var dossiersPerDay = 64
    @Option(help: "Random seed: the same seed and options give the same bytes.") var seed: UInt64 = 1
    @Option(help: "First export day (yyyy-MM-dd).") var start = "2024-02-19"
    @Option(help: "Export format: dvcqg-ndjson or csv.") var format = "dvcqg-ndjson"
    @Flag(inversion: .prefixedNo, help: "Gzip the exports (--no-gzip writes plain text).") var gzip = true
    @Option(help: "Gzip compression level (1-9).") var level = 6
    @Option(help: "Worker threads (files are the same for any number).") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Print errors only.") var quiet = false

    func run() throws {
        var o = GenerateOptions(outDir: out)
        guard let startDay = GenerateOptions.day(start) else { exitWith(MotcuaError(.usage, "--start '\(start)' is not a date yyyy-MM-dd")) }
        guard let f = GenerateFormat(rawValue: format) else { exitWith(MotcuaError(.usage, "--format '\(format)' is not dvcqg-ndjson or csv")) }
        o.units = units
        o.days = days
        o.dossiersPerDay = dossiersPerDay
        o.seed = seed
        o.start = startDay
        o.format = f
        o.gzip = gzip
        o.level = level
        o.threads = threads
        let terminal = !quiet && isatty(STDERR_FILENO) != 0
        do {
            let r = try Generator.run(o, progress: terminal ? { done, total in
                FileHandle.standardError.write(Data("\r\u{1B}[Kday \(done)/\(total)".utf8))
            } : nil)
            if terminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            if !quiet {
                let mb = Double(r.bytes) / 1e6, gz = Double(r.compressedBytes) / 1e6
                let line = String(format: "%d files (%d gzip members), %d records (%d deliberately bad), %d dossiers; %d units, %d procedure rows\n%.1f MB of text, %.1f MB on disk, in %.2f s (%.0f MB/s) to %@\n",
                                  r.files, r.gzipMembers, r.records, r.badRecords, r.dossiers, r.units, r.procedureRows,
                                  mb, gz, r.seconds, r.seconds > 0 ? mb / r.seconds : 0, out)
                FileHandle.standardError.write(Data(line.utf8))
            }
        } catch let e as MotcuaError {
            exitWith(e)
        }
    }
}
