// Runs the built `motcua` binary in a scratch directory, as a user would (STYLE §15).
import Foundation
import XCTest

package struct ProcessResult {
    package var status: Int32
    package var stdout: String
    package var stderr: String
}

package enum Harness {
    package static let testsDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    package static let projectDir = testsDir.deletingLastPathComponent()
    package static let fixturesDir = testsDir.appendingPathComponent("Fixtures")
    /// Public conformance corpora carried in the repository (sources and licences: Tests/Corpora/README.md).
    package static let corpora = testsDir.appendingPathComponent("Corpora")

    /// The `motcua` executable next to the test bundle.
    package static var binary: URL {
        var dir = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("motcua")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return projectDir.appendingPathComponent(".build/debug/motcua")
    }

    @discardableResult
    package static func run(_ args: [String], in dir: URL? = nil, environment: [String: String] = [:]) throws -> ProcessResult {
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        if !environment.isEmpty {
            p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        if let dir { p.currentDirectoryURL = dir }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Drain both pipes before waiting so a chatty child cannot block.
        let outBox = DataBox()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { outBox.data = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return ProcessResult(status: p.terminationStatus, stdout: String(decoding: outBox.data, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }

    /// A fresh temporary directory, removed by the caller's teardown if wanted.
    package static func scratch(_ name: String = "motcua") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Copies a directory tree to a new scratch directory.
    package static func copyToScratch(_ src: URL) throws -> URL {
        let dst = try scratch(src.lastPathComponent)
        for item in try FileManager.default.contentsOfDirectory(atPath: src.path) {
            try FileManager.default.copyItem(at: src.appendingPathComponent(item), to: dst.appendingPathComponent(item))
        }
        return dst
    }

    package static func read(_ url: URL) -> String? {
        (try? Data(contentsOf: url)).map { String(decoding: $0, as: UTF8.self) }
    }
}

extension Harness {
    /// An output directory's files by name, to compare two runs: summary.json re-encoded
    /// without `summaryKeys` (timing, and what differs by design between the two runs).
    package static func outputs(_ dir: URL, summaryKeys: [String] = ["wall_seconds", "mb_per_s"]) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for n in try FileManager.default.contentsOfDirectory(atPath: dir.path) where !n.hasPrefix(".") && n != "last-failure" {
            var data = try Data(contentsOf: dir.appendingPathComponent(n))
            if n == "summary.json" {
                var o = try JSONSerialization.jsonObject(with: data) as! [String: Any]
                for key in summaryKeys { o[key] = nil }
                data = try JSONSerialization.data(withJSONObject: o, options: .sortedKeys)
            }
            out[n] = data
        }
        return out
    }
}
