// The Dask driver's own tests (integrations/dask/tests, pytest on a real local cluster of two
// worker processes) as one case of `swift test`, so that README's test command runs them too:
// integrations/dask/test.sh installs dask, distributed and pytest from PyPI into .build-dask.
import Foundation
import XCTest
import MotcuaTestSupport

final class DaskDriverTests: XCTestCase {
    func testTheDriversPytestSuitePasses() throws {
        let script = Harness.projectDir.appendingPathComponent("integrations/dask/test.sh")
        let p = Process()
        p.executableURL = script
        p.currentDirectoryURL = Harness.projectDir
        var env = ProcessInfo.processInfo.environment
        env["MOTCUA_BINARY"] = Harness.binary.path
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "integrations/dask/test.sh:\n\(text)")
        XCTAssertTrue(text.contains(" passed"), text)
    }
}
