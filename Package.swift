// swift-tools-version: 6.1
import PackageDescription

/// Swift 6, and in release builds:
/// - each function in a section of its own, so the link can place the ones a run executes
///   together (releaseLink);
/// - the metadata of a concrete generic type (`[Int32: Member]`, `Option<String?>`) reached by
///   calling its accessor, with the conformances it needs passed in, instead of demangling its
///   name at the first use and looking those conformances up by scanning every conformance
///   record of the binary (3,928). A watch's start makes 640 such lookups instead of 1,020 and
///   49 conformance scans instead of 67: 0.6-0.8 ms less CPU (medians of 24 and 30
///   interleaved starts), for 85 KB more code. scripts/setup's argus_build_release gives ArgumentParser
///   both flags too.
let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .unsafeFlags(
        ["-Xfrontend", "-function-sections", "-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors"],
        .when(configuration: .release)),
]
/// The same for the C shims linked into the binary.
let cSections: [CSetting] = [.unsafeFlags(["-ffunction-sections"], .when(configuration: .release))]

/// How the release binary is linked (measured watching an idle process: peak RSS 15.1 MB to
/// 9.7 MB; the dynamic loader's time from about 1.2M to 0.5M cycles):
/// - lld with packed relative relocations (RELR): the 42,000 relocations of a static Swift
///   runtime take 8 KB instead of a 1 MB table that the loader reads at every start (glibc 2.36+);
/// - libstdc++, SQLite, libbpf, libelf and zlib from their static archives (Debian's; the
///   folder link/static-archives holds linker scripts named libstdc++.so, libsqlite3.so …
///   that point there), so none of them is mapped, relocated and bound at every start
///   (idle watch: start-up 1.2 ms less CPU, 550 KB less resident), and GCC's unwinder from its
///   own (-static-libgcc), so no libgcc_s.so either (100 KB resident). libmnl has no archive
///   in Debian, and libc and libm stay shared. The libraries opened with dlopen
///   (libcurl, libmicrohttpd, libyaml) are not linked at all;
/// - the functions a run or a watch executes first, gathered by the linker script
///   link/hot-functions.lds (scripts/order-functions writes it): they then share pages, instead
///   of touching most of the 11 MB of text.
/// Debug builds (the tests') keep the toolchain's defaults; scripts/test runs the release binary too.
let releaseLink: [LinkerSetting] = [
    .unsafeFlags(
        [
            "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs", "-Xclang-linker", "-static-libgcc",
            "-L", Context.packageDirectory + "/link/static-archives",
            "-Xlinker", "-T", "-Xlinker", Context.packageDirectory + "/link/hot-functions.lds",
        ], .when(platforms: [.linux], configuration: .release))
]

let package = Package(
    name: "argus-trace",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "argus-trace", targets: ["argus-trace"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: [
        // C layer: module maps for system libraries, and a shim for what Swift cannot express.
        .systemLibrary(name: "CMnl", path: "Sources/CMnl"),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .target(name: "CArgusLinux", path: "Sources/CArgusLinux", cSettings: cSections),
        .systemLibrary(name: "CBPF", path: "Sources/CBPF"),
        // libmicrohttpd and libcurl are opened with dlopen only when an exporter needs them, so a
        // start without one maps none of their ~30 libraries (see Sources/CCurl/include/CCurl.h).
        .target(name: "CMicroHTTPD", dependencies: ["CArgusLinux"], path: "Sources/CMicroHTTPD", cSettings: cSections),
        .target(name: "CCurl", dependencies: ["CArgusLinux"], path: "Sources/CCurl", cSettings: cSections),
        // libyaml, for the config file (--config): every node carries its line, so errors name it.
        // Opened with dlopen when a config file is read, like libcurl (Sources/CYAML/include/CYAML.h).
        .target(name: "CYAML", dependencies: ["CArgusLinux"], path: "Sources/CYAML", cSettings: cSections),

        // The BPF object, compiled from bpf/ by the build and embedded as a generated source.
        .plugin(name: "BPFObjectPlugin", capability: .buildTool()),
        .target(name: "ArgusBPFObject", swiftSettings: strict, plugins: ["BPFObjectPlugin"]),

        // Kernel layer: typed Swift over syscalls, netlink and /proc.
        .target(
            name: "ArgusKernel",
            dependencies: [
                "CMnl", "CArgusLinux", "CBPF", "CMicroHTTPD", "CCurl", "CYAML", "ArgusBPFObject", "ArgusCore",
            ],
            swiftSettings: strict
        ),
        // Core: events, records, Tracker, math. Nothing platform-specific.
        .target(name: "ArgusCore", swiftSettings: strict),
        // Store: schema, migrations, batched writer thread.
        .target(name: "ArgusStore", dependencies: ["CSQLite", "ArgusCore"], swiftSettings: strict),
        // Runtime: the event loop that wires sources to the Tracker and the store.
        .target(
            name: "ArgusRuntime",
            dependencies: ["ArgusKernel", "ArgusCore", "ArgusStore"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "argus-trace",
            dependencies: [
                "ArgusRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict,
            linkerSettings: releaseLink
        ),
        // A real process with known behaviour, for the end-to-end tests and the benchmark.
        .target(name: "CArgusTestee", path: "Sources/CArgusTestee"),
        .executableTarget(name: "argus-testee", dependencies: ["CArgusTestee"], swiftSettings: strict),

        .testTarget(name: "ArgusCoreTests", dependencies: ["ArgusCore"], swiftSettings: strict),
        .testTarget(
            name: "ArgusKernelTests",
            dependencies: ["ArgusKernel"],
            swiftSettings: strict
        ),
        .testTarget(name: "ArgusRuntimeTests", dependencies: ["ArgusRuntime"], swiftSettings: strict),
        .testTarget(name: "ArgusStoreTests", dependencies: ["ArgusStore", "CSQLite"], swiftSettings: strict),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["argus-trace", "argus-testee", "ArgusStore"],
            swiftSettings: strict
        ),
    ]
)
