// `outputs.postgres` (issue 17): where a run's counters and KPIs also go. Only what the
// pipeline says and the URL's parts; the client (MotcuaPostgres) connects. Parsed here so that
// `validate` and the loader report a bad URL with its key path, before anything runs.
import MotcuaFoundation
import MotcuaReading
import Foundation

/// `outputs.postgres: { url: … | url_env: NAME, schema: motcua }`.
public struct PostgresTarget: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        /// The URL as written in the pipeline file (never with a password).
        case url(PostgresURL)
        /// The name of an environment variable holding the whole URL, read when the run starts.
        case environment(String)
    }
    public var source: Source
    /// The schema of motcua's tables, created on first use.
    public var schema: String
    public static let defaultSchema = "motcua"

    public init(source: Source, schema: String = PostgresTarget.defaultSchema) {
        (self.source, self.schema) = (source, schema)
    }

    /// The URL to connect to: from the pipeline, or read from its environment variable now
    /// (there it may carry a password: it is not in the pipeline file).
    public func resolvedURL(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PostgresURL {
        switch source {
        case .url(let url): return url
        case .environment(let name):
            guard let text = environment[name], !text.isEmpty else {
                throw MotcuaError(.config, "outputs.postgres.url_env: the environment variable \(name) is not set (it holds the database URL)")
            }
            switch PostgresURL.parse(text) {
            case .success(let url): return url
            case .failure(let problem): throw MotcuaError(.config, "outputs.postgres.url_env: \(name) is not a database URL: \(problem.reason)")
            }
        }
    }

    /// An SQL identifier motcua creates and quotes itself: lower-case letters, digits, `_`.
    public static func isValidSchema(_ s: String) -> Bool {
        guard let first = s.utf8.first, s.utf8.count <= 63, first == UInt8(ascii: "_") || (0x61...0x7A).contains(first) else { return false }
        return s.utf8.allSatisfy { $0 == UInt8(ascii: "_") || (0x61...0x7A).contains($0) || isDigit($0) }
    }
}

/// `postgres://user[:password]@host[:port]/database?sslmode=…&host=/socket/dir`, as libpq
/// reads it (the parts motcua uses). A `host` parameter starting with `/` is the directory of a
/// Unix socket, as in libpq.
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca", verifyFull = "verify-full"
    }
    public var user: String?
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String?
    public var tls: TLSMode
    /// A Unix socket's directory (`?host=/run/postgresql`), nil for TCP.
    public var socketDirectory: String?
    /// Seconds to wait for the server to answer a connection (`connect_timeout`, default 10).
    public var connectTimeout: Int

    public struct Problem: Error { public let reason: String }

    /// Where the URL leads, for messages: host:port/database, without user or password.
    public var description: String {
        let place = socketDirectory.map { "\($0)/.s.PGSQL.\(port)" } ?? "\(host):\(port)"
        return "\(place)/\(database ?? user ?? "")"
    }

    public static func parse(_ text: String) -> Result<PostgresURL, Problem> {
        func fail(_ reason: String) -> Result<PostgresURL, Problem> { .failure(Problem(reason: reason)) }
        guard let schemeEnd = text.range(of: "://"), ["postgres", "postgresql"].contains(text[..<schemeEnd.lowerBound]) else {
            return fail("expected postgres://user@host:5432/database")
        }
        var rest = Substring(text[schemeEnd.upperBound...])
        var query = Substring("")
        if let q = rest.firstIndex(of: "?") { (query, rest) = (rest[rest.index(after: q)...], rest[..<q]) }
        var path = Substring("")
        if let slash = rest.firstIndex(of: "/") { (path, rest) = (rest[rest.index(after: slash)...], rest[..<slash]) }
        var url = PostgresURL(host: "localhost", port: 5432, tls: .prefer, connectTimeout: 10)
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                url.user = credentials[..<colon].removingPercentEncoding
                url.password = credentials[credentials.index(after: colon)...].removingPercentEncoding
            } else {
                url.user = credentials.removingPercentEncoding
            }
            if url.user?.isEmpty ?? true { url.user = nil }
        }
        // host, host:port, [v6]:port
        var hostPart = rest, portPart: Substring?
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            hostPart = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") { portPart = after.dropFirst() } else if !after.isEmpty { return fail("unexpected '\(after)' after the host") }
        } else if let colon = rest.lastIndex(of: ":") {
            (hostPart, portPart) = (rest[..<colon], rest[rest.index(after: colon)...])
        }
        if !hostPart.isEmpty {
            guard let h = hostPart.removingPercentEncoding else { return fail("the host is not valid percent-encoded text") }
            url.host = h
        }
        if let p = portPart {
            guard let n = Int(p), (1...65535).contains(n) else { return fail("port '\(p)' is not a number from 1 to 65535") }
            url.port = n
        }
        if !path.isEmpty {
            guard let d = path.removingPercentEncoding, !d.contains("/") else { return fail("the database name '\(path)' is not valid") }
            url.database = d
        }
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(kv[0]), value = kv.count > 1 ? (kv[1].removingPercentEncoding ?? "") : ""
            switch key {
            case "sslmode":
                guard let mode = TLSMode(rawValue: value) else {
                    return fail("sslmode '\(value)' is not one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                url.tls = mode
            case "host":
                guard value.hasPrefix("/") else { return fail("the host parameter must be a socket directory starting with /") }
                url.socketDirectory = value
            case "connect_timeout":
                guard let n = Int(value), n >= 1 else { return fail("connect_timeout '\(value)' is not a number of seconds of 1 or more") }
                url.connectTimeout = n
            case "user":
                url.user = value
            case "password":
                url.password = value
            default:
                return fail("unknown parameter '\(key)' (known: sslmode, host, connect_timeout, user)")
            }
        }
        return .success(url)
    }
}
