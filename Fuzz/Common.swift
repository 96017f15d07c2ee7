// Helpers shared by the fuzz targets (compiled into every target with MotcuaFoundation and
// MotcuaReading as one module; see scripts/reliability/fuzz.sh).
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A per-process scratch file for targets that read through `InputReader` (which takes a path).
let fuzzScratchPath: String = {
    let dir = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    return "\(dir)/motcua-fuzz-\(getpid())"
}()

func writeScratch(_ data: UnsafePointer<UInt8>?, _ size: Int) {
    let fd = open(fuzzScratchPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    precondition(fd >= 0, "cannot create \(fuzzScratchPath)")
    var done = 0
    while done < size {
        let n = write(fd, data! + done, size - done)
        precondition(n > 0)
        done += n
    }
    close(fd)
}

/// Crashes with a message libFuzzer records (the input is saved as a crasher).
func fuzzCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() {
        fputs("FUZZ INVARIANT BROKEN: \(message())\n", stderr)
        abort()
    }
}
