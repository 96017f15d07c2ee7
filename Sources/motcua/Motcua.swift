// The `motcua` command: parses arguments, calls the core, prints and exits. Nothing else.
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

@main
struct Motcua: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "motcua",
        abstract: "Counters and KPIs from one-stop-shop (mot cua) dossier exports.",
        version: motcuaVersion,
        subcommands: [RunCommand.self, ValidateCommand.self, InspectCommand.self, InitCommand.self, GenerateCommand.self, StateCommand.self,
                      MapCommand.self, ReduceCommand.self, FinishCommand.self])
}

