// The password file libpq reads (PGPASSFILE, else ~/.pgpass): lines
// `hostname:port:database:username:password`, `*` matching anything, `\:` and `\\` escaped. As
// libpq does, a file that its group or others may read is ignored: a password readable by
// every user of the machine is not one motcua should send.
import MotcuaPipeline
import Foundation
#if canImport(Glibc)
import Glibc
#endif

enum PasswordFile {
    static func lookUp(url: PostgresURL, user: String, database: String, environment: [String: String]) -> String? {
        let path = environment["PGPASSFILE"] ?? (environment["HOME"].map { "\($0)/.pgpass" } ?? "")
        var info = stat()
        guard !path.isEmpty, stat(path, &info) == 0, info.st_mode & 0o077 == 0,
              let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let host = url.socketDirectory ?? url.host
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }) where !line.hasPrefix("#") {
            let fields = split(line)
            guard fields.count == 5 else { continue }
            let wanted = [host, String(url.port), database, user]
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }

    /// A line's fields at unescaped colons, with `\:` and `\\` unescaped.
    static func split(_ line: Substring) -> [String] {
        var fields: [String] = [], current = "", escaped = false
        for c in line {
            if escaped { current.append(c); escaped = false } else if c == "\\" { escaped = true } else if c == ":" {
                fields.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        fields.append(current)
        return fields
    }
}
