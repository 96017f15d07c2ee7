// A connection from a `PostgresURL` (issue 17): TLS as the URL's sslmode asks (libpq's
// meanings), the password from PGPASSWORD or the password file, and errors as text that names
// what failed — PSQLError's own description hides the server's message on purpose.
import MotcuaPipeline
import Foundation
import Logging
import PostgresNIO

enum PostgresConnector {
    /// postgres-nio's own log lines are not the run's: the run logs what it did itself.
    static let driverLogger = Logger(label: "motcua.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    static func connect(_ url: PostgresURL, environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> PostgresConnection {
        let user = url.user ?? environment["PGUSER"] ?? ProcessInfo.processInfo.userName
        let database = url.database ?? user
        // An empty PGPASSWORD is no password, as in libpq: the password file is asked next.
        let password = url.password ?? environment["PGPASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
            ?? PasswordFile.lookUp(url: url, user: user, database: database, environment: environment)
        var configuration: PostgresConnection.Configuration
        if let dir = url.socketDirectory {
            configuration = .init(unixSocketPath: "\(dir)/.s.PGSQL.\(url.port)", username: user, password: password, database: database)
        } else {
            configuration = .init(host: url.host, port: url.port, username: user, password: password, database: database,
                                  tls: try tls(url))
        }
        configuration.options.connectTimeout = .seconds(Int64(url.connectTimeout))
        return try await PostgresConnection.connect(configuration: configuration, id: 1, logger: driverLogger)
    }

    /// sslmode as libpq reads it: `disable` none; `allow`/`prefer` TLS when the server offers it;
    /// `require` TLS without checking the certificate; `verify-ca` the chain (PGSSLROOTCERT or the
    /// system's roots); `verify-full` the chain and the host name.
    static func tls(_ url: PostgresURL) throws -> PostgresConnection.Configuration.TLS {
        var config = TLSConfiguration.makeClientConfiguration()
        if let roots = ProcessInfo.processInfo.environment["PGSSLROOTCERT"], !roots.isEmpty { config.trustRoots = .file(roots) }
        switch url.tls {
        case .disable: return .disable
        case .allow, .prefer, .require: config.certificateVerification = .none
        case .verifyCA: config.certificateVerification = .noHostnameVerification
        case .verifyFull: config.certificateVerification = .fullVerification
        }
        let context = try NIOSSLContext(configuration: config)
        return [.allow, .prefer].contains(url.tls) ? .prefer(context) : .require(context)
    }

    /// What went wrong, in the server's words where it sent any (message, detail, hint, SQLSTATE),
    /// else the network's (connection refused, timed out …).
    static func describe(_ error: any Error) -> String {
        guard let e = error as? PSQLError else { return "\(error)" }
        if let info = e.serverInfo, let message = info[.message] {
            var text = message
            if let detail = info[.detail] { text += " (\(detail))" }
            if let hint = info[.hint] { text += "; hint: \(hint)" }
            if let state = info[.sqlState] { text += " [SQLSTATE \(state)]" }
            return text
        }
        switch e.code {
        case .sslUnsupported: return "the server does not offer TLS, and the URL's sslmode requires it"
        case .serverClosedConnection: return "the server closed the connection\(e.underlying.map { " (\($0))" } ?? "")"
        case .clientClosedConnection: return "the connection was closed"
        case .authMechanismRequiresPassword: return "the server asks for a password: set PGPASSWORD or add a line to ~/.pgpass"
        case .unsupportedAuthMechanism: return "the server asks for an authentication method motcua's client does not support"
        default:
            if let underlying = e.underlying { return describeNetwork(underlying) }
            return "\(e.code)"
        }
    }

    /// A socket error as the system says it (`Connection refused`), not NIO's nested dump.
    static func describeNetwork(_ error: any Error) -> String {
        if let c = error as? NIOConnectionError, let first = c.connectionErrors.first { return describeNetwork(first.error) }
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)) }
        return "\(error)"
    }
}
