// The PostgreSQL server the tests of `outputs.postgres` run against: scripts/pg/throwaway-cluster.sh
// in a temporary folder, started once for all the tests and removed after them, so `swift test`
// alone needs nothing started beforehand. Without the server programs the tests fail saying so;
// MOTCUA_SKIP_POSTGRES=1 skips them instead (a machine where Debian's postgresql cannot be installed).
import Foundation
import MotcuaTestSupport
import XCTest

final class ThrowawayCluster: @unchecked Sendable {
    static let script = Harness.projectDir.appendingPathComponent("scripts/pg/throwaway-cluster.sh").path
    static let bin = ProcessInfo.processInfo.environment["PG_BIN"] ?? "/usr/lib/postgresql/15/bin"
    /// Skipped only when asked: a missing server is a failure, not a silent pass.
    static var skipped: Bool { ProcessInfo.processInfo.environment["MOTCUA_SKIP_POSTGRES"] == "1" }

    let dir: String
    /// PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSOCKETDIR of DIR/env.
    let env: [String: String]
    var port: Int { Int(env["PGPORT"]!)! }
    var password: String { env["PGPASSWORD"]! }

    /// The cluster of this test process: started by the first test that asks, destroyed by `destroyShared`.
    nonisolated(unsafe) private static var shared: Result<ThrowawayCluster, any Error>?

    static func sharedCluster() throws -> ThrowawayCluster {
        if shared == nil { shared = Result { try ThrowawayCluster() } }
        return try shared!.get()
    }

    static func destroyShared() {
        if case .success(let c)? = shared { _ = try? c.script("destroy") }
        shared = nil
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    private init() throws {
        guard FileManager.default.isExecutableFile(atPath: "\(Self.bin)/initdb") else {
            throw Failure(description: "PostgreSQL 15 server programs are not in \(Self.bin): the PostgreSQL output's tests need them (scripts/install-deps.sh installs Debian's postgresql; MOTCUA_SKIP_POSTGRES=1 skips these tests)")
        }
        // Under /tmp, open to others: the server runs as `nobody` when the tests run as root.
        dir = "/tmp/motcua-pg-\(UUID().uuidString.prefix(8))"
        let out = try Self.run(Self.script, ["start", dir])
        var env: [String: String] = [:]
        for line in out.split(separator: "\n") {
            let kv = line.split(separator: "=", maxSplits: 1)
            if kv.count == 2 { env[String(kv[0])] = String(kv[1]) }
        }
        guard env["PGPORT"] != nil else { throw Failure(description: "\(Self.script) start printed no PGPORT: \(out)") }
        self.env = env
    }

    @discardableResult
    func script(_ command: String) throws -> String { try Self.run(Self.script, [command, dir]) }

    /// A URL of this server over TCP (the password comes from PGPASSWORD, as a user's would).
    func url(user: String = "motcua", query: String = "") -> String {
        "postgres://\(user)@127.0.0.1:\(port)/motcua\(query.isEmpty ? "" : "?\(query)")"
    }

    /// The environment a run gets: the password in PGPASSWORD, nothing else of the cluster's.
    var runEnvironment: [String: String] { ["PGPASSWORD": password] }

    /// psql over the Unix socket as the superuser: unaligned rows, `|` between fields.
    @discardableResult
    func psql(_ sql: String) throws -> String {
        try Self.run("\(Self.bin)/psql", ["-h", dir, "-p", "\(port)", "-U", "motcua", "-d", "motcua", "-X", "-q", "-tA",
                                          "-v", "ON_ERROR_STOP=1", "-c", sql])
    }

    /// A query's rows as CSV cells (psql --csv: NULL is an empty cell), header first.
    func csvRows(_ sql: String) throws -> [[String]] {
        let text = try Self.run("\(Self.bin)/psql", ["-h", dir, "-p", "\(port)", "-U", "motcua", "-d", "motcua", "-X", "-q", "--csv",
                                                     "-v", "ON_ERROR_STOP=1", "-c", sql])
        return parseCSV(text)
    }

    static func run(_ program: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: program)
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw Failure(description: "\(program) \(args.joined(separator: " ")) exited \(p.terminationStatus): \(String(decoding: errData, as: UTF8.self))")
        }
        return String(decoding: outData, as: UTF8.self)
    }
}

/// RFC 4180 rows (quoted fields, doubled quotes, LF or CRLF).
func parseCSV(_ text: String) -> [[String]] {
    var rows: [[String]] = [], row: [String] = [], field = "", quoted = false, i = text.startIndex
    while i < text.endIndex {
        let c = text[i]
        if quoted {
            if c == "\"" {
                let next = text.index(after: i)
                if next < text.endIndex && text[next] == "\"" { field.append("\""); i = next } else { quoted = false }
            } else {
                field.append(c)
            }
        } else if c == "\"" {
            quoted = true
        } else if c == "," {
            row.append(field)
            field = ""
        } else if c == "\n" || c == "\r\n" {
            row.append(field)
            rows.append(row)
            (row, field) = ([], "")
        } else {
            field.append(c)
        }
        i = text.index(after: i)
    }
    if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
    return rows
}
