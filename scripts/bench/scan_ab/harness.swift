// The JSON scan harness of scan_ab.sh (issue 16): JSONStructuralScanner.scan (mode "scan") or
// NDJSONDecoder.decode (mode "decode") on every line of an NDJSON file;
// prints how many it accepted and the best and median MB/s of thread CPU time over ROUNDS
// passes (scan_ab.sh checks that both sides accept the same number).
//     harness FILE ROUNDS MODE
import Foundation
import MotcuaMicroKernels
import MotcuaReading

let args = CommandLine.arguments
let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: args[1])))
let rounds = Int(args[2]) ?? 8
let mode = args.count > 3 ? args[3] : "scan"
var lines: [(start: Int, count: Int)] = []
var start = 0
for i in bytes.indices where bytes[i] == 0x0A {
    lines.append((start, i - start))
    start = i + 1
}
func threadCPU() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}
let scanner = JSONStructuralScanner()
let decoder = NDJSONDecoder(dates: DateTimeParser(), maxLineBytes: 1 << 20)
var record = DecodedRecord()
var times: [Double] = []
var accepted = 0
for _ in 0..<rounds {
    let t0 = threadCPU()
    accepted = 0
    bytes.withUnsafeBufferPointer { buf in
        for l in lines {
            let line = UnsafeBufferPointer(rebasing: buf[l.start..<(l.start + l.count)])
            if mode == "scan" ? scanner.scan(line) : decoder.decode(line, into: &record) == nil { accepted += 1 }
        }
    }
    times.append(threadCPU() - t0)
}
times.sort()
let mb = Double(bytes.count) / 1e6
print(String(format: "%@: %d lines, %d accepted, best %.0f MB/s, median %.0f MB/s (thread CPU)", mode, lines.count, accepted,
             mb / times[0], mb / times[times.count / 2]))
