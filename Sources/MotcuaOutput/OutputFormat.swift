// The table formats of `outputs.formats` (SPEC §6).
import MotcuaFoundation
import MotcuaReading
import MotcuaAggregate

public enum OutputFormat: String, Sendable, CaseIterable { case csv, json }
