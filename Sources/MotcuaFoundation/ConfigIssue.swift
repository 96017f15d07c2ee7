// A config problem with where it is: file, key path (or catalog line) and reason.

public struct ConfigIssue: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var path: String
    public var reason: String
    public var line: Int?

    public init(file: String, path: String, reason: String, line: Int? = nil) {
        self.file = file
        self.path = path
        self.reason = reason
        self.line = line
    }

    public var description: String {
        var s = file
        if let l = line { s += ":\(l)" }
        if !path.isEmpty { s += ": \(path)" }
        return s + ": " + reason
    }
}

/// Every config issue found, reported together (exit 78).
public struct ConfigErrors: Error, CustomStringConvertible {
    public var issues: [ConfigIssue]
    public init(issues: [ConfigIssue]) { self.issues = issues }
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
