// `last-failure/` in the output directory (issue 18): a failed run's summary.json (with the
// failure) and rejects.ndjson, so the cause can be read where the outputs are. The run
// writes them in a temporary folder of its own (`.motcua-tmp-PID-last-failure`, fsynced),
// then puts that folder in place in one step, replacing the previous one; the published
// outputs beside it are never touched. The publisher owns the name: a successful publish
// drops the folder (it would describe a failure that is over). An interrupted run writes
// none, and a killed run's temporary folder is removed when the next run takes the lock.
import MotcuaFoundation
import CMotcuaSystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension OutputDirectory {
    public static let lastFailureName = "last-failure"

    public var lastFailurePath: String { "\(path)/\(OutputDirectory.lastFailureName)" }

    /// A new, empty temporary folder for this run's last-failure files.
    public func lastFailureStaging() throws -> String {
        let dir = temporaryPath(OutputDirectory.lastFailureName)
        removeFileOrFolder(dir)
        guard mkdir(dir, 0o755) == 0 else {
            throw OutputError(kind: .io, message: "\(dir): cannot create: \(String(cString: strerror(errno)))")
        }
        return dir
    }

    /// Makes `staging` (its files written and fsynced) the `last-failure` folder in one step.
    public func installLastFailure(_ staging: String) throws {
        try syncDirectory(staging)
        let target = lastFailurePath
        func fail(_ what: String) -> OutputError {
            OutputError(kind: .io, message: "\(target): cannot \(what): \(String(cString: strerror(errno)))")
        }
        if motcua_exchange_paths(staging, target) == 0 {
            removeFileOrFolder(staging)   // now the previous folder
        } else if errno == ENOENT {
            guard rename(staging, target) == 0 else { throw fail("rename") }
        } else {
            // No exchange on this filesystem: the previous folder moves aside first.
            let old = temporaryPath("\(OutputDirectory.lastFailureName)-old")
            removeFileOrFolder(old)
            guard rename(target, old) == 0 || errno == ENOENT else { throw fail("replace") }
            guard rename(staging, target) == 0 else { throw fail("rename") }
            removeFileOrFolder(old)
        }
        try syncDirectory(path)
    }

    /// Removes `last-failure` (after a successful publish that could not drop it by the exchange).
    func dropLastFailure() {
        removeFileOrFolder(lastFailurePath)
    }
}
