// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "motcua",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "motcua", targets: ["motcua"]),
        .library(name: "MotcuaCore", targets: ["MotcuaCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // zlib from the system (Debian: zlib1g-dev); only the gzip reader imports it.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(
            name: "MotcuaCore",
            dependencies: [
                "CZlib",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ]
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
