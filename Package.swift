// swift-tools-version:6.1
import PackageDescription

// The engine's rooms, each a target that may use only the ones before it (the compiler
// enforces it): foundation → reading (gzip, framing, parsing, formats, dossiers: the hot path,
// one module) → aggregate → output → pipeline → run; the PostgreSQL output after run, used by the
// command line only (the engine does not depend on postgres-nio). The generator and the micro-benchmark
// entry points are rooms of their own beside the engine; the command line uses them all.
let package = Package(
    name: "motcua",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "motcua", targets: ["motcua"]),
        // The engine as a library (`Runner`, `Inspector`, `PipelineLoader`, `Generator`), with
        // every room whose public types its API uses.
        .library(name: "MotcuaCore", targets: [
            "MotcuaFoundation", "MotcuaWorkbook", "MotcuaReading", "MotcuaAggregate", "MotcuaCharts", "MotcuaOutput",
            "MotcuaPipeline", "MotcuaState", "MotcuaRun", "MotcuaGenerate",
        ]),
        // Entry points into engine internals for the Benchmarks/ package (not a stable API),
        // with the rooms whose public types the benchmarks use beside them (decoders, reducers,
        // readers, tables; the generator for their inputs).
        .library(name: "MotcuaMicroKernels",
                 targets: ["MotcuaMicroKernels", "MotcuaFoundation", "MotcuaWorkbook", "MotcuaReading", "MotcuaGenerate"]),
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
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        // report.html's templates (logic-less: the renderer hands them formatted text and charts).
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        // The PostgreSQL output (issue 17): the wire protocol, TLS and COPY FROM.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // zlib from the system (Debian: zlib1g-dev); the gzip inflaters and the generator's writer.
        .systemLibrary(
            name: "CZlibSystem",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // ISA-L's igzip (Debian: libisal-dev), only with the ISAL trait.
        .systemLibrary(
            name: "CIsal",
            pkgConfig: "libisal",
            providers: [.apt(["libisal-dev"])]
        ),
        // libxml2 (Debian: libxml2-dev): the streaming (SAX2 push) XML parser of workbooks.
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        // libxlsxwriter (Debian: libxlsxwriter-dev): the workbook writer of bieu-ii06a.xlsx.
        .systemLibrary(
            name: "CXlsxWriter",
            pkgConfig: "xlsxwriter",
            providers: [.apt(["libxlsxwriter-dev"])]
        ),
        // xxHash (Debian: libxxhash-dev): content digests of input files and checksums of the
        // state between runs.
        .systemLibrary(
            name: "CXXHash",
            pkgConfig: "libxxhash",
            providers: [.apt(["libxxhash-dev"])]
        ),
        // Linux calls that need _GNU_SOURCE (the atomic directory exchange of the publisher).
        // Not named CSystem: apple/swift-system has a target of that name, and the Benchmarks/
        // package builds both in one graph (target names must be unique there).
        .target(name: "CMotcuaSystem"),
        // SIMD byte kernels (AVX2, chosen at run time) where Swift's SIMD types measured slow.
        .target(name: "CByteKernels"),

        // Shared by every room: errors and exit codes, the version, input-file descriptions,
        // calendar days, bytewise order, the synced file writer, the slice runner.
        .target(name: "MotcuaFoundation"),
        // SVG charts for report.html: nice axis ticks, bars, stacked bars, lines, the palette.
        .target(name: "MotcuaCharts", dependencies: ["MotcuaFoundation"]),
        // Excel workbooks (.xlsx) read as a stream of rows: the zip (ZIPFoundation), the XML
        // parts (libxml2's SAX2 push parser), shared strings, styles' date formats, serial dates.
        .target(
            name: "MotcuaWorkbook",
            dependencies: ["MotcuaFoundation", "CLibXML2", "CZlibSystem", .product(name: "ZIPFoundation", package: "ZIPFoundation")]
        ),
        // Gzip → framing → parsing → formats → dossiers: a file's bytes to each worker's
        // latest version per dossier and its rejects.
        .target(
            name: "MotcuaReading",
            dependencies: [
                "MotcuaFoundation", "MotcuaWorkbook", "CZlibSystem", "CByteKernels",
                .target(name: "CIsal", condition: .when(traits: ["ISAL"])),
            ],
            // No unsafe flags (a package that has them cannot be a dependency): the classes of
            // the hot path mark their stored properties `@exclusivity(unchecked)` instead.
        ),
        // Periods, catalogs, counters, roll-up and KPIs (SPEC §4, §5).
        .target(name: "MotcuaAggregate", dependencies: ["MotcuaFoundation", "MotcuaReading", "CByteKernels"]),
        // The output files, their encodings and the atomic publisher (SPEC §7.3). report.html's
        // Mustache templates are compiled into the module (`PackageResources`), so the binary
        // needs no resource folder beside it.
        .target(
            name: "MotcuaOutput",
            dependencies: ["MotcuaFoundation", "MotcuaReading", "MotcuaAggregate", "MotcuaCharts", "CMotcuaSystem", "CXlsxWriter",
                           .product(name: "Mustache", package: "swift-mustache")],
            resources: [.embedInCode("Report/Templates")]
        ),
        // Pipelines (SPEC §6): the strict YAML loader, input globs and the input order.
        .target(
            name: "MotcuaPipeline",
            dependencies: [
                "MotcuaFoundation", "MotcuaReading", "MotcuaAggregate", "MotcuaOutput",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // The state kept between runs (issue 13): the ledger of files taken in, the dossiers'
        // latest versions in hash partitions, generations switched atomically.
        .target(
            name: "MotcuaState",
            dependencies: ["MotcuaFoundation", "MotcuaReading", "CXXHash"]
        ),
        // The `run` and `inspect` commands: phases, threads, the file schedule.
        .target(
            name: "MotcuaRun",
            dependencies: [
                "MotcuaFoundation", "MotcuaReading", "MotcuaAggregate", "MotcuaOutput", "MotcuaPipeline", "MotcuaState",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The PostgreSQL output (issue 17): connection check, migrations, the replacing
        // transaction. Only the command line uses it, so the engine does not depend on postgres-nio.
        .target(
            name: "MotcuaPostgres",
            dependencies: [
                "MotcuaFoundation", "MotcuaAggregate", "MotcuaOutput", "MotcuaPipeline", "MotcuaRun",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.embedInCode("Migrations")]
        ),
        // `motcua generate`: a seeded synthetic province and its exports.
        .target(name: "MotcuaGenerate", dependencies: ["MotcuaFoundation", "CZlibSystem"]),
        // Micro-benchmark entry points (Benchmarks/ package) into the reading stage's internals.
        .target(name: "MotcuaMicroKernels", dependencies: ["MotcuaFoundation", "MotcuaReading", "MotcuaGenerate"]),
        .executableTarget(
            name: "motcua",
            dependencies: [
                "MotcuaFoundation", "MotcuaReading", "MotcuaAggregate", "MotcuaOutput", "MotcuaPipeline", "MotcuaState", "MotcuaRun",
                "MotcuaGenerate", "MotcuaPostgres", "CMotcuaSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Tests, by kind (as swift-argument-parser splits its own): what they share, the engine's
        // parts in-process, the built binary end to end, and property/hostile/fuzz regressions.
        .target(
            name: "MotcuaTestSupport",
            dependencies: ["CZlibSystem", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            path: "Tests/MotcuaTestSupport"
        ),
        .testTarget(
            name: "MotcuaUnitTests",
            dependencies: [
                "MotcuaTestSupport", "MotcuaFoundation", "MotcuaWorkbook", "MotcuaReading", "MotcuaAggregate", "MotcuaCharts",
                "MotcuaOutput", "MotcuaPipeline", "MotcuaRun", "MotcuaGenerate",
            ]
        ),
        .testTarget(name: "MotcuaEndToEndTests", dependencies: ["MotcuaTestSupport", "motcua"]),
        // The PostgreSQL output against a throwaway server (scripts/pg/throwaway-cluster.sh) the tests start.
        .testTarget(name: "MotcuaPostgresTests", dependencies: ["MotcuaTestSupport", "motcua"]),
        .testTarget(
            name: "MotcuaPropertyTests",
            dependencies: [
                "MotcuaTestSupport", "motcua", "MotcuaFoundation", "MotcuaReading", "MotcuaAggregate", "MotcuaOutput",
                "MotcuaPipeline", "MotcuaRun", "MotcuaGenerate",
            ]
        ),
    ],
    // Swift 6: data races are compile errors; each @unchecked Sendable / nonisolated(unsafe) says why it is safe.
    swiftLanguageModes: [.v6]
)
