// The `motcua` command: parses arguments, calls the core, prints and exits. Nothing else.
import ArgumentParser
import Foundation
import Logging
import MotcuaCore

@main
struct Motcua: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "motcua",
        abstract: "Counters and KPIs from one-stop-shop (một cửa) dossier exports.",
        version: motcuaVersion,
        subcommands: [RunCommand.self, ValidateCommand.self, InspectCommand.self])
}

/// Prints `motcua: error: …` and exits with the SPEC §7.2 code.
func exitWith(_ error: MotcuaError) -> Never {
    FileHandle.standardError.write(Data("motcua: error: \(error.message)\n".utf8))
    exit(error.code.rawValue)
}

func makeLogger(quiet: Bool) -> Logger {
    LoggingSystem.bootstrap { label in
        var h = StreamLogHandler.standardError(label: label)
        h.logLevel = quiet ? .error : (ProcessInfo.processInfo.environment["MOTCUA_DEBUG"] != nil ? .debug : .notice)
        return h
    }
    return Logger(label: "motcua")
}
