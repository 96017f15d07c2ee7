// libFuzzer target: the gzip/plain reader (Gzip/InputReader.swift, Gzip/Inflater.swift).
// Any bytes must decompress or end in `CorruptInput` with an offset inside the file — never
// crash or hang; with ISA-L built in, zlib and ISA-L must agree (same bytes, or both fail).
import Foundation

/// Output beyond this is not compared (a bomb is legitimate input; the engine streams it).
let outputCap = 16 << 20

func readAll(_ kind: InflaterKind, bufferSize: Int, size: Int) -> (bytes: [UInt8], damage: CorruptInput?) {
    var out: [UInt8] = []
    do {
        let r = try InputReader(path: fuzzScratchPath, inflater: kind)
        var buf = [UInt8](repeating: 0, count: bufferSize)
        while out.count < outputCap {
            let n = try buf.withUnsafeMutableBytes { try r.read(into: $0) }
            fuzzCheck(n >= 0 && n <= bufferSize, "read returned \(n) for a \(bufferSize)-byte buffer")
            if n == 0 { break }
            out += buf[0..<n]
        }
        fuzzCheck(r.compressedOffset <= size, "compressed offset \(r.compressedOffset) beyond file size \(size)")
        return (out, nil)
    } catch let c as CorruptInput {
        fuzzCheck(c.offset >= 0 && c.offset <= size, "corrupt offset \(c.offset) outside the file (size \(size))")
        return (out, c)
    } catch {
        fuzzCheck(false, "unexpected error \(error)")
        return (out, nil)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGzip(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    writeScratch(data, size)
    // Buffer sizes that cross refill boundaries in different places.
    let bufferSize = size > 0 ? 1 + Int(data![size - 1]) * 37 : 1
    let z = readAll(.zlib, bufferSize: bufferSize, size: size)
    if InflaterKind.available.contains(.isal) {
        let i = readAll(.isal, bufferSize: 4096, size: size)
        if z.bytes.count < outputCap && i.bytes.count < outputCap {
            fuzzCheck((z.damage == nil) == (i.damage == nil),
                      "zlib \(z.damage.map { "\($0)" } ?? "ok") vs isal \(i.damage.map { "\($0)" } ?? "ok")")
            if z.damage == nil { fuzzCheck(z.bytes == i.bytes, "zlib and isal inflated different bytes") }
        }
    }
    // Plain text passes through unchanged.
    if size < 2 || data![0] != 0x1f || data![1] != 0x8b {
        fuzzCheck(z.damage == nil && z.bytes.elementsEqual(UnsafeBufferPointer(start: data, count: size)), "plain text altered")
    }
    return 0
}
