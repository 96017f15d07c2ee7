// Failures with the exit codes of SPEC §7.2. The core throws these; only the CLI exits.

public let motcuaVersion = "0.1.0"

public struct MotcuaError: Error, CustomStringConvertible {
    public enum Code: Int32, Sendable {
        case usage = 64, data = 65, noInput = 66, unavailable = 69, software = 70, cantCreate = 73, io = 74,
             locked = 75, config = 78, interrupted = 130, terminated = 143
    }
    public let code: Code
    /// What went wrong, then what to do about it when `remedy` is given.
    public var message: String { remedy.map { "\(problem). \($0)" } ?? problem }
    /// What went wrong (the whole message when there is no remedy).
    public let problem: String
    /// What the user should do; a caller that knows better names its own (`withRemedy`).
    public let remedy: String?
    /// What the failed run had found to warn about (header problems, hints …), printed
    /// before the error: often the cause (issue 18).
    public var warnings: [String] = []

    public init(_ code: Code, _ message: String) {
        self.code = code
        problem = message
        remedy = nil
    }

    public init(_ code: Code, _ problem: String, remedy: String) {
        self.code = code
        self.problem = problem
        self.remedy = remedy
    }

    /// The same failure with another remedy: where it is caught, a step may know a better one
    /// than where it was thrown.
    public func withRemedy(_ other: String) -> MotcuaError {
        var e = MotcuaError(code, problem, remedy: other)
        e.warnings = warnings
        return e
    }

    public var description: String { message }
}

/// A run stopped by a signal (SIGINT/SIGTERM) while reading; nothing is published.
public struct Interrupted: Error {
    package init() {}
}
