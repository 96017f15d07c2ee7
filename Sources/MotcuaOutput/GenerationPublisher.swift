// Publishing by generations, where the directory exchange cannot work (a mount point, a
// folder inside, a parent that is not writable, a filesystem without the exchange):
//
//     OUT/counters.csv -> .motcua-generations/current/counters.csv     (one link per output)
//     OUT/.motcua-generations/current -> 8                             (switched by one rename)
//     OUT/.motcua-generations/8/{counters.csv, …, .motcua-manifest}    (this set, fsynced)
//     OUT/.motcua-generations/7/…                                      (the previous set)
//
// A set is written and fsynced in a new numbered folder; the links for its names are put
// in place (a link into `current` shows the previous set until the switch); then one rename
// of a symlink makes it current. A reader opening OUT/counters.csv gets the old or the new
// file, a crash leaves the old or the new set. The previous generation is kept for readers
// that resolved `current` just before the switch; older ones go. The first time, the files
// already in place (regular files of an exchange publish) are adopted as a generation
// first, so that no name ever shows a mix. The way is kept once chosen.
import MotcuaFoundation
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension OutputDirectory {
    static let generationsName = ".motcua-generations"
    var generationsPath: String { "\(path)/\(OutputDirectory.generationsName)" }
    var currentLinkPath: String { "\(generationsPath)/current" }

    /// Where an output name of the directory points.
    static func linkTarget(_ name: String) -> String { "\(generationsName)/current/\(name)" }

    func isOwnLink(_ name: String) -> Bool {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(path)/\(name)")) == OutputDirectory.linkTarget(name)
    }

    private var currentGeneration: String? { try? FileManager.default.destinationOfSymbolicLink(atPath: currentLinkPath) }

    func publishGeneration(_ moving: [(name: String, path: String)], produced: [String], previous: Set<String>) throws {
        if mkdir(generationsPath, 0o755) != 0 && errno != EEXIST { throw ioError(generationsPath, "cannot create") }
        let previousGeneration = try currentGeneration ?? adoptFilesInPlace(previous.union(produced))
        let dir = try makeGeneration()
        for m in moving where rename(m.path, "\(dir)/\(m.name)") != 0 { throw ioError(m.path, "rename failed") }
        try writeManifest(in: dir, produced)
        try syncDirectory(dir)
        try syncDirectory(generationsPath)
        for n in produced where !isOwnLink(n) { try placeLink(n) }
        try syncDirectory(path)
        try switchCurrent(to: (dir as NSString).lastPathComponent, back: previousGeneration)
        pendingGeneration = nil
        // Published. What follows tidies up; a failure here changes nothing a reader sees.
        for n in previous where !produced.contains(n) && isOwnLink(n) { unlink("\(path)/\(n)") }
        unlink("\(path)/\(OutputDirectory.manifestName)")   // an exchange publish's, now adopted
        dropLastFailure()
        removeStaleGenerations()
    }

    /// Makes the regular files in place that belong to a set (the previous manifest's, or
    /// about to be replaced) a generation of their own, then the names links to it: each
    /// name shows the same bytes throughout. Returns that generation, or nil when none.
    private func adoptFilesInPlace(_ names: Set<String>) throws -> String? {
        let inPlace = names.sorted().filter { n in
            var st = stat()
            return lstat("\(path)/\(n)", &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
        }
        if inPlace.isEmpty { return nil }
        let dir = try makeGeneration()
        for n in inPlace where link("\(path)/\(n)", "\(dir)/\(n)") != 0 {
            do { try FileManager.default.copyItem(atPath: "\(path)/\(n)", toPath: "\(dir)/\(n)") } catch {
                throw OutputError(kind: .io, message: "\(path)/\(n): cannot keep the previous output while switching: \(error)")
            }
        }
        try writeManifest(in: dir, inPlace)
        try syncDirectory(dir)
        try syncDirectory(generationsPath)
        let name = (dir as NSString).lastPathComponent
        try switchCurrent(to: name, back: nil)
        pendingGeneration = nil
        for n in inPlace { try placeLink(n) }
        try syncDirectory(path)
        return name
    }

    /// A new, empty generation folder numbered after every one there.
    private func makeGeneration() throws -> String {
        let numbers = ((try? FileManager.default.contentsOfDirectory(atPath: generationsPath)) ?? []).compactMap { Int($0) }
        let dir = "\(generationsPath)/\((numbers.max() ?? 0) + 1)"
        guard mkdir(dir, 0o755) == 0 else { throw ioError(dir, "cannot create") }
        pendingGeneration = dir
        return dir
    }

    /// OUT/NAME becomes the link into `current`, in one rename.
    private func placeLink(_ name: String) throws {
        let temp = temporaryPath("link-\(name)")
        unlink(temp)
        guard symlink(OutputDirectory.linkTarget(name), temp) == 0 else { throw ioError(temp, "cannot create link") }
        guard rename(temp, "\(path)/\(name)") == 0 else { throw ioError("\(path)/\(name)", "cannot replace") }
    }

    /// The publish point: `current` names `generation` once the rename is on disk. If the
    /// fsync fails, `current` is put back to `back` so that "previous outputs kept" holds.
    private func switchCurrent(to generation: String, back: String?) throws {
        let temp = "\(generationsPath)/\(OutputDirectory.tempMarker)\(getpid())-current"
        unlink(temp)
        guard symlink(generation, temp) == 0 else { throw ioError(temp, "cannot create link") }
        guard rename(temp, currentLinkPath) == 0 else { throw ioError(currentLinkPath, "cannot switch") }
        do {
            try syncDirectory(generationsPath)
        } catch {
            if let back, symlink(back, temp) == 0 { rename(temp, currentLinkPath) } else if back == nil { unlink(currentLinkPath) }
            throw error
        }
    }

    /// Keeps `current`, its generation and the one before it (a reader may still be in it);
    /// removes the rest — sets of killed runs, older sets, temporary links — and the links
    /// in the directory that lead nowhere (names of a set whose switch never happened).
    func removeStaleGenerations() {
        let fm = FileManager.default
        guard let entries = try? fm.contentsOfDirectory(atPath: generationsPath) else { return }
        let current = currentGeneration.flatMap { Int($0) }
        let kept = [current, current.flatMap { c in entries.compactMap { Int($0) }.filter { $0 < c }.max() }].compactMap { $0 }
        for e in entries where e != "current" && !(Int(e).map(kept.contains) ?? false) {
            removeFileOrFolder("\(generationsPath)/\(e)")
        }
        for n in (try? fm.contentsOfDirectory(atPath: path)) ?? [] where isOwnLink(n) && !fm.fileExists(atPath: "\(path)/\(n)") {
            unlink("\(path)/\(n)")
        }
    }

    private func ioError(_ p: String, _ what: String) -> OutputError {
        OutputError(kind: .io, message: "\(p): \(what): \(String(cString: strerror(errno)))")
    }
}
