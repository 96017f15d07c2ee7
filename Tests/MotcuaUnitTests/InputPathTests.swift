// An input's absolute path, joined as strings for plain names, equals what Foundation's
// standardized URL gives — for plain names, Vietnamese ones, and the `.`, `..` and empty
// segments it leaves to Foundation, from a few pipeline directories.
import Foundation
import XCTest
@testable import MotcuaPipeline

final class InputPathTests: XCTestCase {
    func testAbsolutePathsAsFoundationStandardizes() {
        let rels = ["in/hoso-2024-02-19.ndjson.gz", "a.csv", "in/b/c/d.xlsx", "Tháng 2/hồ sơ.csv", "in/./x.gz", "in/../x.gz",
                    "../data/x.gz", "in//x.gz", "./x.gz", "in/x.gz.", "in/.hidden", "in/..x", "a b/c,d.csv"]
        for dir in ["/srv/motcua", "/", "/tmp/a b/pipelines", "/srv/motcua/./p", "/srv/motcua/x/.."] {
            let base = URL(fileURLWithPath: dir, isDirectory: true)
            let basePath = base.standardizedFileURL.path
            for rel in rels {
                XCTAssertEqual(InputSet.absolutePath(rel, base: base, basePath: basePath),
                               URL(fileURLWithPath: rel, relativeTo: base).standardizedFileURL.path, "\(dir) + \(rel)")
            }
        }
    }
}
