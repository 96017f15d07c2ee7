// swift-tools-version:6.1
// Micro benchmarks of the engine's kernels (issue 5, SPEC §8) with ordo-one/benchmark: a
// package of its own so that the root package never depends on it. Run them with
// `scripts/bench/micro.sh` (or, in this directory, `swift package benchmark` and
// `swift package benchmark thresholds check`). The engine's internal kernels are reached
// through `MicroKernels` (Sources/MotcuaMicroKernels/MicroKernels.swift); its product,
// MotcuaMicroKernels, also carries the rooms the benchmarks name types of (MotcuaFoundation,
// MotcuaReading, MotcuaGenerate), and nothing else of the engine (no Yams, no Logging).
import Foundation
import PackageDescription

// The root package (..) as SwiftPM names a path dependency: its folder's name, lowercased.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

// The benchmark executables: one per kernel family, each in Benchmarks/<Name>/<Name>.swift.
let suites = ["Inflate", "JSONScan", "CSVScan", "Dates", "Merge", "IdTable"]

let package = Package(
    name: "MotcuaBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(path: ".."),
        // MallocInterposer: malloc counts on Swift 6.3 without jemalloc. Naming the trait also
        // leaves out the Linux runtime interposer (another package, not needed here).
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // Deterministic inputs shared by the suites (generated once per benchmark process).
        .target(
            name: "MicroData",
            dependencies: [
                .product(name: "MotcuaMicroKernels", package: root),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Sources/MicroData"
        ),
    ] + suites.map { name in
        .executableTarget(
            name: name,
            dependencies: [
                "MicroData",
                .product(name: "MotcuaMicroKernels", package: root),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/\(name)",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    },
    swiftLanguageModes: [.v5]
)
