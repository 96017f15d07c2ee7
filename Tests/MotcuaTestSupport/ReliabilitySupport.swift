// Shared pieces of the reliability suites (issue 6): a scratch workspace with a pipeline, gzip
// made in-process with zlib, a runner with a deadline (a hang must fail a test, not stall CI),
// and readers for summary.json / rejects.ndjson / counters.csv.
import CZlibSystem
import Foundation
import XCTest

package enum Gz {
    /// One gzip member of `bytes` (mtime 0), like `gzip -n`.
    package static func member(_ bytes: [UInt8], level: Int32 = 6) -> [UInt8] {
        var s = z_stream()
        precondition(deflateInit2_(&s, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK)
        defer { deflateEnd(&s) }
        let capacity = Int(deflateBound(&s, UInt(bytes.count))) + 64
        let (status, out) = oneShot(&s, bytes, capacity: capacity) { deflate(&$0, Z_FINISH) }
        precondition(status == Z_STREAM_END)
        return out
    }

    /// One zlib `call` over all of `input` into a buffer of `capacity` bytes: its status and
    /// the bytes it produced.
    package static func oneShot(_ s: inout z_stream, _ input: [UInt8], capacity: Int,
                                _ call: (inout z_stream) -> Int32) -> (Int32, [UInt8]) {
        var out = [UInt8](repeating: 0, count: max(1, capacity))
        var input = input
        let status: Int32 = input.withUnsafeMutableBufferPointer { inp in
            out.withUnsafeMutableBufferPointer { o in
                s.next_in = inp.baseAddress
                s.avail_in = UInt32(inp.count)
                s.next_out = o.baseAddress
                s.avail_out = UInt32(o.count)
                return call(&s)
            }
        }
        return (status, Array(out.prefix(out.count - Int(s.avail_out))))
    }

    /// A gzip member of `count` copies of `byte`, compressed piece by piece (no big buffer).
    package static func repeated(_ byte: UInt8, count: Int) -> [UInt8] {
        var s = z_stream()
        precondition(deflateInit2_(&s, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK)
        defer { deflateEnd(&s) }
        var block = [UInt8](repeating: byte, count: 1 << 20)
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        var left = count
        repeat {
            let n = min(left, block.count)
            left -= n
            let flush = left == 0 ? Z_FINISH : Z_NO_FLUSH
            block.withUnsafeMutableBufferPointer { b in
                s.next_in = b.baseAddress
                s.avail_in = UInt32(n)
                repeat {
                    buf.withUnsafeMutableBufferPointer { o in
                        s.next_out = o.baseAddress
                        s.avail_out = UInt32(o.count)
                        _ = deflate(&s, flush)
                        out += o.prefix(o.count - Int(s.avail_out))
                    }
                } while s.avail_out == 0 || (flush == Z_FINISH && s.avail_in > 0)
            }
        } while left > 0
        return out
    }
}

/// A scratch directory holding `p.yaml` and `data/`.
package final class Workspace {
    package let dir: URL
    package init(_ name: String) throws {
        dir = try Harness.scratch(name)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("data"), withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: dir) }

    package func url(_ rel: String) -> URL { dir.appendingPathComponent(rel) }

    /// A pipeline over data/*.ndjson* (dvcqg-ndjson) and data/*.csv* (csv), March 2024 by default.
    package func pipeline(limits: String = "max_reject_rate: 1", extra: String = "", ndjson: Bool = true, csv: Bool = false,
                  periods: String = "{kind: month, from: 2024-03-01, to: 2024-03-31}", outDir: String = "out",
                  outputs: String = "") throws {
        var inputs: [String] = []
        if ndjson { inputs.append(#"{format: dvcqg-ndjson, paths: ["data/*.ndjson*"]}"#) }
        if csv { inputs.append(#"{format: csv, paths: ["data/*.csv*"]}"#) }
        let yaml = """
        version: 1
        name: rel
        inputs: [\(inputs.joined(separator: ", "))]
        periods: \(periods)
        outputs: {dir: \(outDir)\(outputs.isEmpty ? "" : ", " + outputs)}
        limits: {\(limits)}
        \(extra)
        """
        try yaml.write(to: url("p.yaml"), atomically: true, encoding: .utf8)
    }

    package func write(_ name: String, _ bytes: [UInt8]) throws { try Data(bytes).write(to: url("data/\(name)")) }
    package func write(_ name: String, _ text: String) throws { try write(name, Array(text.utf8)) }

    /// `motcua run p.yaml --quiet ARGS`, failing the test when it runs past `deadline` seconds.
    @discardableResult
    package func run(_ args: [String] = [], deadline: Double = 120, file: StaticString = #filePath, line: UInt = #line) throws -> TimedResult {
        let r = try TimedRun.run(["run", "p.yaml", "--quiet"] + args, in: dir, deadline: deadline)
        XCTAssertFalse(r.timedOut, "motcua ran past \(deadline) s (killed): \(args)", file: file, line: line)
        return r
    }

    package func summary() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url("out/summary.json"))) as! [String: Any]
    }

    /// rejects.ndjson as (line, reason) pairs, file by file.
    package func rejects(_ out: String = "out") throws -> [(file: String, line: Int, reason: String, excerpt: String)] {
        let text = try String(contentsOf: url("\(out)/rejects.ndjson"), encoding: .utf8)
        return try text.split(separator: "\n").map { l in
            let o = try JSONSerialization.jsonObject(with: Data(l.utf8)) as! [String: Any]
            return (o["file"] as! String, o["line"] as! Int, o["reason"] as! String, o["excerpt"] as! String)
        }
    }

    package func accounting() throws -> [String: Int] { try summary()["accounting"] as! [String: Int] }
    package func inputs() throws -> [[String: Any]] { try summary()["inputs"] as! [[String: Any]] }
}

package struct TimedResult {
    package var status: Int32
    package var stdout: String
    package var stderr: String
    package var timedOut: Bool
    package var seconds: Double
}

package enum TimedRun {
    /// Runs the built binary (or `executable`, e.g. a browser); SIGKILLs it at the deadline
    /// (SIGTERM may be ignored by a stuck run).
    package static func run(_ args: [String], in dir: URL, deadline: Double, executable: URL = Harness.binary) throws -> TimedResult {
        let p = Process()
        p.executableURL = executable
        p.arguments = args
        p.currentDirectoryURL = dir
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        let started = Date()
        try p.run()
        let killed = ManagedFlag()
        let pid = p.processIdentifier
        let timer = DispatchWorkItem {
            killed.set()
            kill(pid, SIGKILL)
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + deadline, execute: timer)
        let outBox = DataBox()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { outBox.data = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let outData = outBox.data
        p.waitUntilExit()
        timer.cancel()
        return TimedResult(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                           stderr: String(decoding: errData, as: UTF8.self), timedOut: killed.isSet,
                           seconds: Date().timeIntervalSince(started))
    }
}

/// Bytes one reading thread fills; read only after `group.wait()`, so never touched at once.
package final class DataBox: @unchecked Sendable { var data = Data() }

package final class ManagedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    package func set() { lock.lock(); value = true; lock.unlock() }
    package var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}

/// counters.csv as header + rows of cells (no quoted cells in these tests' unit codes).
package func csvTable(_ url: URL) throws -> (header: [String], rows: [[String]]) {
    let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
    let split = { (l: String) in l.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    return (split(lines[0]), lines.dropFirst().map(split))
}


/// A tiny deterministic generator for tests.
package struct SplitMix {
    package var state: UInt64
    package init(seed: UInt64) { state = seed }
    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
