// Every file a run may write, as one table: its name, what in the pipeline's `outputs`
// turns it on, and how it is rendered. The publisher's list of names (a stale file of an
// earlier run is dropped), the loader's `outputs` keys and the run's rendering phase all
// come from here.
//
// Adding an output: its renderer in a file of this folder, plus one entry in `all`. A
// renderer returns bytes, or — a C library that writes files (libxlsxwriter) — writes its
// file at the temporary path of the output directory it is given; the publisher moves it in.
import MotcuaFoundation
import MotcuaReading
import MotcuaAggregate

/// The `outputs` keys of a pipeline (besides `dir`), as the table reads them.
public struct OutputSettings: Sendable {
    public var formats: Set<OutputFormat> = [.csv, .json]
    /// Boolean keys that are set (`form_ii06a: true`).
    public var switches: Set<String> = []
    /// `outputs.form_scope`: what both Biểu II.06a files count (`own`, the default, or `subtree`).
    public var formScope: Scope = .own
    public init() {}
    public func has(_ key: String) -> Bool { switches.contains(key) }

    /// The scope of the roll-up's form rows, when a file that shows them is on.
    public var formRowsScope: Scope? {
        OutputFiles.all.contains { $0.showsFormRows && $0.isWanted(self) } ? formScope : nil
    }
}

/// What output files are rendered from: one run's results.
package struct RunResults {
    package var rollup: RollupResult
    package var periods: [Period]
    package var catalogs: Catalogs
    package var summary: SummaryOutput
    /// Rows are encoded in slices side by side on this many threads.
    package var threads: Int

    package init(rollup: RollupResult, periods: [Period], catalogs: Catalogs, summary: SummaryOutput, threads: Int) {
        (self.rollup, self.periods, self.catalogs, self.summary, self.threads) = (rollup, periods, catalogs, summary, threads)
    }
}

package struct OutputFile: Sendable {
    package enum Condition: Sendable {
        case always
        /// In `outputs.formats`.
        case format(OutputFormat)
        /// A boolean key of `outputs`.
        case switchedOn(String)
    }
    package enum Rendering: Sendable {
        case bytes(@Sendable (RunResults) -> [UInt8])
        /// Written by the renderer to the path it is given (a temporary file of the output
        /// directory), complete when it returns.
        case written(@Sendable (RunResults, _ path: String) throws -> Void)
        /// Streamed to a temporary file while the run goes on (it may not fit in memory).
        case streamed
    }
    package let name: String
    package let condition: Condition
    package let rendering: Rendering
    /// Rendered from the roll-up's Biểu II.06a rows (`RollupResult.formRows`).
    package var showsFormRows = false

    package func isWanted(_ settings: OutputSettings) -> Bool {
        switch condition {
        case .always: return true
        case .format(let f): return settings.formats.contains(f)
        case .switchedOn(let key): return settings.has(key)
        }
    }
}

package enum OutputFiles {
    /// In the order they are rendered.
    package static let all: [OutputFile] = [
        OutputFile(name: "counters.csv", condition: .format(.csv), rendering: .bytes { r in
            CountersOutput.csv(r.rollup.rows, periods: r.periods, units: r.rollup.units, threads: r.threads)
        }),
        OutputFile(name: "counters.json", condition: .format(.json), rendering: .bytes { r in
            CountersOutput.json(r.rollup.rows, periods: r.periods, units: r.rollup.units, threads: r.threads)
        }),
        OutputFile(name: "kpis.csv", condition: .format(.csv), rendering: .bytes { r in
            KPIOutput.csv(r.rollup.kpis, periods: r.periods, units: r.rollup.units, threads: r.threads)
        }),
        OutputFile(name: "kpis.json", condition: .format(.json), rendering: .bytes { r in
            KPIOutput.json(r.rollup.kpis, periods: r.periods, units: r.rollup.units, threads: r.threads)
        }),
        OutputFile(name: "bieu-ii06a.csv", condition: .switchedOn("form_ii06a"), rendering: .bytes { r in
            FormII06aOutput.csv(r.rollup.formRows, periods: r.periods, units: r.rollup.units, sectorNames: r.catalogs.sectorNames)
        }, showsFormRows: true),
        OutputFile(name: "bieu-ii06a.xlsx", condition: .switchedOn("form_ii06a_xlsx"), rendering: .written { r, path in
            try FormII06aWorkbook.write(r.rollup.formRows, periods: r.periods, units: r.rollup.units,
                                        sectorNames: r.catalogs.sectorNames, to: path)
        }, showsFormRows: true),
        OutputFile(name: "report.html", condition: .switchedOn("report"), rendering: .bytes { r in ReportOutput.html(r) }),
        OutputFile(name: "rejects.ndjson", condition: .always, rendering: .streamed),
        OutputFile(name: "summary.json", condition: .always, rendering: .bytes { r in r.summary.json() }),
    ]

    /// Every name a run may publish.
    package static var names: Set<String> { Set(all.map(\.name)) }

    /// The boolean `outputs` keys that turn files on, for the loader.
    package static var switches: [String] {
        all.compactMap { if case .switchedOn(let key) = $0.condition { return key } else { return nil } }
    }

    /// The files `settings` asks for, rendered: as bytes, or written at `temporaryPath(name)`
    /// (the streamed ones are left to the caller). Throws `OutputError` when a file cannot be written.
    package static func render(_ results: RunResults, _ settings: OutputSettings,
                               temporaryPath: (String) -> String) throws -> RenderedOutputs {
        var rendered = RenderedOutputs()
        for file in all where file.isWanted(settings) {
            switch file.rendering {
            case .bytes(let render): rendered.files.append((file.name, render(results)))
            case .written(let write):
                let path = temporaryPath(file.name)
                try write(results, path)
                rendered.written.append((file.name, path))
            case .streamed: break
            }
        }
        return rendered
    }
}

/// What the render phase made: files as bytes, and files already written and fsynced at
/// temporary paths (for `OutputDirectory.publish(_:moving:)`).
package struct RenderedOutputs {
    package var files: [(name: String, bytes: [UInt8])] = []
    package var written: [(name: String, path: String)] = []
}
