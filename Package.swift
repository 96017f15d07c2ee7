// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "motcua",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "motcua", targets: ["motcua"]),
        .library(name: "MotcuaCore", targets: ["MotcuaCore"]),
    ],
    traits: [
        // `swift build --disable-default-traits` builds with zlib only (no libisal-dev needed).
        .trait(name: "ISAL", description: "Inflate gzip with ISA-L's igzip (Debian libisal-dev); zlib stays available."),
        .default(enabledTraits: ["ISAL"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // zlib from the system (Debian: zlib1g-dev); only the gzip inflaters import it.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // ISA-L's igzip (Debian: libisal-dev), only with the ISAL trait.
        .systemLibrary(
            name: "CIsal",
            pkgConfig: "libisal",
            providers: [.apt(["libisal-dev"])]
        ),
        // Linux calls that need _GNU_SOURCE (the atomic directory exchange of the publisher).
        // Not named CSystem: apple/swift-system has a target of that name, and the Benchmarks/
        // package builds both in one graph (target names must be unique there).
        .target(name: "CMotcuaSystem"),
        // SIMD byte kernels (AVX2, chosen at run time) where Swift's SIMD types measured slow.
        .target(name: "CByteKernels"),
        .target(
            name: "MotcuaCore",
            dependencies: [
                "CZlib",
                "CMotcuaSystem",
                "CByteKernels",
                .target(name: "CIsal", condition: .when(traits: ["ISAL"])),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            // The hot loops mutate their own buffers only; runtime exclusivity checks cost ~2%.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        .executableTarget(
            name: "motcua",
            dependencies: [
                "MotcuaCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "MotcuaTests",
            dependencies: ["MotcuaCore", "motcua"]
        ),
    ],
    swiftLanguageModes: [.v5]
)
