// `motcua map`, `reduce` and `finish`: the steps of a run spread over a cluster
// (docs/DISTRIBUTED.md; the driver is integrations/dask). map and finish take run's options.
import ArgumentParser
import Foundation
import MotcuaFoundation
import MotcuaRun

struct MapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map",
        abstract: "Cluster step 1: read some of a pipeline's input files into a map output (a state directory).",
        discussion: """
        Every input file goes to exactly one map task; --out is the task's own directory, written \
        under a temporary name and renamed (a task run again replaces it with the same result). \
        run's options apply where they shape reading (--threads, --inflater).
        Example:
          motcua map p.yaml --files data/2024-01-01.ndjson.gz data/2024-01-02.ndjson.gz --out work/map-000
          motcua map p.yaml --files-from work/map-001.files --out work/map-001
        """)

    @OptionGroup var runOptions: RunCommand
    @Option(parsing: .upToNextOption, help: "The input files this task reads (paths from the pipeline's directory, or any path to them).")
    var files: [String] = []
    @Option(name: .customLong("files-from"), help: "A file listing more input files, one path a line (for lists longer than a command line takes).")
    var filesFrom: String?

    func validate() throws {
        guard runOptions.out != nil else { throw ValidationError("--out: name the map task's output directory") }
        guard !files.isEmpty || filesFrom != nil else { throw ValidationError("--files or --files-from: name the input files this task reads") }
    }

    func run() throws {
        var all = files
        if let list = filesFrom {
            guard let text = try? String(contentsOfFile: list, encoding: .utf8) else {
                exitWith(MotcuaError(.noInput, "--files-from \(list): cannot be read"))
            }
            all += text.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        }
        try runOptions.execute(map: true) { options, logger, isCancelled in
            try ClusterSteps.map(pipelinePath: runOptions.pipeline, files: all, out: runOptions.out!, options: options, logger: logger,
                                 isCancelled: isCancelled)
        }
    }
}

struct ReduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reduce",
        abstract: "Cluster step 2: merge partitions of every map output into DIR/part-NN.bin.",
        discussion: "Example:\n  motcua reduce p.yaml --partition 7 --maps work/map-* --out work/parts\n  motcua reduce p.yaml --partition 0 1 2 3 --maps work/map-* --out work/parts")

    @Argument(help: "Pipeline file (YAML).") var pipeline: String
    @Option(parsing: .upToNextOption, help: "The partitions, each 0 to 63 (one task may merge several: the maps' ledgers are read once).") var partition: [Int]
    @Option(parsing: .upToNextOption, help: "Every map output directory of the run.") var maps: [String]
    @Option(help: "Directory for part-NN.bin (several reduce tasks may share it).") var out: String
    @Flag(help: "Print errors only.") var quiet = false

    func run() throws {
        do {
            let dossiers = try ClusterSteps.reduce(pipelinePath: pipeline, partitions: partition, maps: maps, out: out)
            if !quiet {
                let which = partition.map(String.init).joined(separator: " ")
                FileHandle.standardError.write(Data("motcua: reduce: partitions \(which): \(dossiers) dossiers of \(maps.count) maps written to \(out)\n".utf8))
            }
        } catch let e as MotcuaError { exitWith(e) }
    }
}

struct FinishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finish",
        abstract: "Cluster step 3: from the map outputs and reduced partitions, what `motcua run` writes.",
        discussion: """
        The outputs equal `motcua run`'s over the same files. With --state (or the pipeline's \
        state), the assembled state stays there for the nightly runs.
        Example:
          motcua finish p.yaml --maps work/map-* --parts work/parts --out out/ --rules tt01
        """)

    @OptionGroup var runOptions: RunCommand
    @Option(parsing: .upToNextOption, help: "Every map output directory of the run.") var maps: [String]
    @Option(parsing: .upToNextOption, help: "The reduce tasks' output directories (each part-NN.bin in exactly one).") var parts: [String]
    @Option(name: .customLong("reject-fan-in"), help: .hidden) var rejectFanIn: Int?

    func run() throws {
        try runOptions.execute { options, logger, isCancelled in
            var o = options
            if let f = rejectFanIn { o.rejectFanIn = f }
            return try ClusterSteps.finish(pipelinePath: runOptions.pipeline, maps: maps, parts: parts, options: o, logger: logger,
                                           isCancelled: isCancelled)
        }
    }
}
