// Fuzz builds compile a subset of Sources/MotcuaCore (no Yams, Logging or Dispatch code).
// `InputFile` normally lives in Run/InputSet.swift, which pulls in globbing and catalogs;
// this copy has the same shape.
public struct InputFile: Sendable {
    public var relativePath: String
    public var absolutePath: String
    public var spec: InputSpec
}
