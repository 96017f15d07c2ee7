// The three steps a distributed run is made of (issue 14, docs/DISTRIBUTED.md), each a pure
// function of its inputs that writes under a temporary name and renames, so that a task run
// twice (a retry after a lost worker) leaves the same result:
//
//   map     an ordered subset of the pipeline's inputs → a state directory over those files
//   reduce  partition J of every map output → part-JJ.bin of the merged state
//   finish  the maps' ledgers and rejects + the reduced partitions → one state generation,
//           then the ordinary run on it: the outputs are `motcua run`'s, byte for byte.
import MotcuaFoundation
import MotcuaReading
import MotcuaAggregate
import MotcuaOutput
import MotcuaPipeline
import MotcuaState
import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

public enum ClusterSteps {
    /// `motcua map`: reads `files` (inputs of the pipeline, by path) into a fresh state at `out`.
    public static func map(pipelinePath: String, files: [String], out: String, options: RunOptions, logger: Logger,
                           isCancelled: @escaping () -> Bool = { false }) throws -> RunReport {
        guard !files.isEmpty else { throw MotcuaError(.usage, "--files: name the input files this map task reads") }
        let target = URL(fileURLWithPath: out).standardizedFileURL.path
        let parent = (target as NSString).deletingLastPathComponent
        let scratch = "\(parent)/.\((target as NSString).lastPathComponent).motcua-tmp-\(getpid())"
        try? FileManager.default.removeItem(atPath: scratch)
        do { try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true) } catch {
            throw MotcuaError(.cantCreate, "\(out): cannot create the map's working directory \(scratch): \(error.localizedDescription)")
        }
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var o = options
        o.mapFiles = files
        o.stateIntermediate = true
        o.outDir = "\(scratch)/spill"
        o.statePath = "\(scratch)/state"
        var report = try Runner.run(pipelinePath: pipelinePath, options: o, logger: logger, isCancelled: isCancelled)
        try replace(target, with: "\(scratch)/state", scratch: scratch)
        report.outputDir = target
        return report
    }

    /// `motcua reduce`: each of `partitions` of every map output merged into `out`. Returns their dossiers.
    public static func reduce(pipelinePath: String, partitions: [Int], maps: [String], out: String) throws -> Int {
        guard !partitions.isEmpty else { throw MotcuaError(.usage, "--partition: name the partitions this task merges") }
        guard !maps.isEmpty else { throw MotcuaError(.usage, "--maps: name the map tasks' output directories") }
        let pipeline: Pipeline
        do { pipeline = try PipelineLoader.load(path: pipelinePath) } catch let e as ConfigErrors {
            throw MotcuaError(.config, e.description)
        }
        let dir = URL(fileURLWithPath: out).standardizedFileURL.path
        return try clusterErrors {
            let layout = try ClusterSteps.layout(pipeline, pipelinePath: pipelinePath, maps: maps)
            return try partitions.reduce(0) { $0 + (try ClusterMerge.reduce(partition: $1, layout, to: dir)) }
        }
    }

    /// A damaged map output or partition is mended by running the task that wrote it again,
    /// not by a state's `--full-refresh`.
    private static func clusterErrors<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as MotcuaError where e.remedy == StateFiles.rebuildRemedy {
            throw e.withRemedy("run the cluster task that wrote it again")
        }
    }

    /// `motcua finish`: the maps and reduced partitions assembled into a state (`--state`, the
    /// pipeline's `state`, or one of its own removed afterwards), then the ordinary run on it.
    public static func finish(pipelinePath: String, maps: [String], parts: [String], options: RunOptions, logger: Logger,
                              isCancelled: @escaping () -> Bool = { false }) throws -> RunReport {
        guard !parts.isEmpty else { throw MotcuaError(.usage, "--parts: name the directories the reduce tasks wrote") }
        guard !maps.isEmpty else { throw MotcuaError(.usage, "--maps: name the map tasks' output directories") }
        let pipelineState = (try? PipelineLoader.load(path: pipelinePath))?.statePath
        var o = options
        let ownState = o.statePath == nil && pipelineState == nil
        let statePath = o.statePath.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? pipelineState
            ?? "\(URL(fileURLWithPath: parts[0]).standardizedFileURL.path)/.motcua-finish-state-\(getpid())"
        defer { if ownState { try? FileManager.default.removeItem(atPath: statePath) } }
        o.statePath = statePath
        o.fullRefresh = false
        o.trustStateDigests = true
        o.reportState = !ownState
        o.stateIntermediate = ownState
        // Assembled once the run's options, outputs and state are checked and locked.
        return try Runner.run(pipelinePath: pipelinePath, options: o, logger: logger, isCancelled: isCancelled) { plan in
            guard let state = plan.state else { throw MotcuaError(.software, "finish runs with a state") }
            let layout = try clusterErrors { try ClusterSteps.layout(plan.pipeline, pipelinePath: pipelinePath, maps: maps) }
            let dossiers = try clusterErrors { try ClusterMerge.assemble(layout, parts: parts, into: state, fanIn: max(2, options.rejectFanIn)) }
            logger.info("finish: \(layout.paths.count) files of \(layout.maps.count) maps, \(dossiers) dossiers assembled in \(statePath)")
        }
    }

    /// The map outputs, checked against the pipeline's run settings.
    private static func layout(_ pipeline: Pipeline, pipelinePath: String, maps: [String]) throws -> ClusterLayout {
        let layout = try ClusterLayout(maps: maps.map(MapOutput.open))
        let global = InputMapping.global(zoneMinutes: pipeline.zoneMinutes, maxLineBytes: pipeline.maxLineBytes,
                                         onCorruptInput: pipeline.onCorruptInput)
        guard layout.mapping == global else {
            throw MotcuaError(.config, "the map outputs were made with other run settings (\(layout.mapping.split(separator: "\n").joined(separator: ", "))) than \(pipelinePath) now gives (\(global.split(separator: "\n").joined(separator: ", "))); run the maps again")
        }
        return layout
    }

    /// Puts `fresh` at `target`. An output already there of the same files (path, size, digest)
    /// and settings is an earlier run of the same task (a retry, or Dask recomputing a result it
    /// lost): it stays, as a reduce task may be reading it and must never find it missing.
    /// Anything else there is replaced.
    private static func replace(_ target: String, with fresh: String, scratch: String) throws {
        if rename(fresh, target) != 0 {
            guard errno == ENOTEMPTY || errno == EEXIST else {
                throw MotcuaError(.cantCreate, "\(target): cannot put the map output in place: \(String(cString: strerror(errno)))")
            }
            if let earlier = try? MapOutput.open(target), let new = try? MapOutput.open(fresh), earlier.sameTask(as: new) { return }
            guard rename(target, "\(scratch)/earlier") == 0, rename(fresh, target) == 0 else {
                throw MotcuaError(.cantCreate, "\(target): cannot replace the earlier map output: \(String(cString: strerror(errno)))")
            }
        }
    }
}

extension Runner {
    /// The inputs a map task reads: `only`, each one of the pipeline's inputs (by its path from
    /// the pipeline's directory, or any path to the same file), in input order.
    static func mapSubset(_ files: [InputFile], _ only: [String]) throws -> [InputFile] {
        var index: [String: Int] = [:]
        for (i, f) in files.enumerated() {
            index[f.relativePath] = i
            index[URL(fileURLWithPath: f.absolutePath).standardizedFileURL.path] = i
        }
        var picked = Set<Int>()
        for path in only {
            guard let i = index[path] ?? index[URL(fileURLWithPath: path).standardizedFileURL.path] else {
                throw MotcuaError(.usage, "--files: \(path) is not one of the pipeline's input files")
            }
            picked.insert(i)
        }
        return picked.sorted().map { files[$0] }
    }

    /// A map task's end: the state over its files, current; nothing rendered. Not fsynced: an
    /// intermediate, which a crash of its machine makes the run start again anyway.
    static func saveMap(_ plan: Plan, _ read: Read, accounting: Accounting, options: RunOptions) throws -> RunReport {
        if let failure = read.failure { throw failure }
        guard let state = read.state else { throw MotcuaError(.software, "a map task runs with a state") }
        try saveState(state, plan, read, rollupSums: nil, options: options)
        try state.directory.commit()
        var accounting = accounting
        accounting.dossiers = read.merged.dossierCount
        return RunReport(outputDir: state.directory.path, accounting: accounting, rejectsByReason: NumberedRejects.byReason(read.merged),
                         warnings: [], periods: [], rows: 0, wallSeconds: 0, pipeline: plan.pipeline.name,
                         compressedBytes: read.outcome.compressedBytes.reduce(0, +), bytes: read.outcome.files.reduce(0) { $0 + $1.bytesKept },
                         unknownUnits: [], newestRecordDay: nil, zoneMinutes: plan.pipeline.zoneMinutes, state: nil)
    }
}
