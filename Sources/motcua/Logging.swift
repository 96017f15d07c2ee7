// Logs on stderr as text (default) or JSON lines (--log-format json), for journald, log
// shippers and cron mail alike.
import ArgumentParser
import Foundation
import Logging
import MotcuaFoundation
import MotcuaReading
import MotcuaAggregate
import MotcuaOutput
import MotcuaPipeline
import MotcuaRun
import MotcuaGenerate

enum LogFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

// Unsafe but sound: set once by makeLogger on the main thread before any worker starts; read-only after.
nonisolated(unsafe) var logFormat = LogFormat.text

/// Prints the failed run's warnings (even with --quiet: they explain the error) and then
/// `motcua: error: …` (or JSON lines), and exits with the SPEC §7.2 code.
func exitWith(_ error: MotcuaError) -> Never {
    if logFormat == .json {
        for w in error.warnings { JSONLogHandler.emit(level: .warning, message: w, metadata: [:]) }
        JSONLogHandler.emit(level: .error, message: error.message, metadata: ["exit_code": "\(error.code.rawValue)"])
    } else {
        for w in error.warnings { FileHandle.standardError.write(Data("motcua: warning: \(w)\n".utf8)) }
        FileHandle.standardError.write(Data("motcua: error: \(error.message)\n".utf8))
    }
    exit(error.code.rawValue)
}

func makeLogger(quiet: Bool, format: LogFormat = .text) -> Logger {
    logFormat = format
    let level: Logger.Level = quiet ? .error : (ProcessInfo.processInfo.environment["MOTCUA_DEBUG"] != nil ? .debug : .notice)
    LoggingSystem.bootstrap { label in
        switch format {
        case .text:
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        case .json:
            var h = JSONLogHandler()
            h.logLevel = level
            return h
        }
    }
    return Logger(label: "motcua")
}

/// One JSON object per line: time, level, message, then metadata keys.
struct JSONLogHandler: LogHandler {
    var logLevel: Logger.Level = .notice
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var m: [String: String] = [:]
        for (k, v) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) { m[k] = "\(v)" }
        JSONLogHandler.emit(level: event.level, message: "\(event.message)", metadata: m)
    }

    static func emit(level: Logger.Level, message: String, metadata: [String: String]) {
        var o: [String: String] = metadata
        o["time"] = ISO8601DateFormatter().string(from: Date())
        o["level"] = level.rawValue
        o["message"] = message
        let data = (try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])) ?? Data()
        FileHandle.standardError.write(data + Data("\n".utf8))
    }
}
