// A TCP proxy on loopback between motcua and the server that cuts every connection once the
// client has sent a given number of bytes in all: a network (or a server) that drops the
// connection in the middle of the write, at a byte count the test chooses.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

final class CuttingProxy: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let upstreamPort: Int
    private let lock = NSLock()
    // Guarded by `lock` (the pumping threads count, the test reads).
    private var sent = 0
    private var limit: Int?
    private var sockets: [Int32] = []

    /// `cutAfter`: client-to-server bytes (over all connections) after which connections are cut; nil: never.
    init(upstreamPort: Int, cutAfter: Int? = nil) throws {
        self.upstreamPort = upstreamPort
        limit = cutAfter
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(fd, 16) == 0 else { throw ThrowawayCluster.Failure(description: "proxy: cannot listen: \(String(cString: strerror(errno)))") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// Bytes the client has sent through the proxy so far.
    var clientBytes: Int { lock.withLock { sent } }

    func close() {
        shutdown(listener, Int32(SHUT_RDWR))
        Glibc.close(listener)
        lock.withLock { for s in sockets { shutdown(s, Int32(SHUT_RDWR)) } }
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = port.bigEndian
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        return a
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { return }
            let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(port: UInt16(upstreamPort))
            let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            if connected != 0 { Glibc.close(client); Glibc.close(server); continue }
            lock.withLock { sockets += [client, server] }
            Thread.detachNewThread { [self] in pump(from: client, to: server, counted: true) }
            Thread.detachNewThread { [self] in pump(from: server, to: client, counted: false) }
        }
    }

    /// Copies bytes one way; the client's side is counted and, past the limit, both sockets are cut.
    private func pump(from source: Int32, to sink: Int32, counted: Bool) {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let n = read(source, &buffer, buffer.count)
            if n <= 0 { break }
            var allowed = n
            if counted {
                allowed = lock.withLock {
                    let room = limit.map { max(0, $0 - sent) } ?? n
                    let take = min(n, room)
                    sent += take
                    return take
                }
            }
            if allowed > 0, write(sink, buffer, allowed) != allowed { break }
            if allowed < n { break }
        }
        shutdown(source, Int32(SHUT_RDWR))
        shutdown(sink, Int32(SHUT_RDWR))
    }
}
