// Failures with the exit codes of SPEC §7.2. The core throws these; only the CLI exits.

public let motcuaVersion = "0.1.0"

public struct MotcuaError: Error, CustomStringConvertible {
    public enum Code: Int32, Sendable {
        case usage = 64, data = 65, noInput = 66, unavailable = 69, software = 70, cantCreate = 73, io = 74,
             locked = 75, config = 78, interrupted = 130, terminated = 143
    }
    public let code: Code
    public let message: String
    /// What the failed run had found to warn about (header problems, hints …), printed
    /// before the error: often the cause (issue 18).
    public var warnings: [String] = []

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// A run stopped by a signal (SIGINT/SIGTERM) while reading; nothing is published.
public struct Interrupted: Error {
    package init() {}
}
