// swift-tools-version: 6.0
//
// libengage: an embeddable campaign-decisioning SDK.
//
// Targets are split where a dependency direction must hold:
//   Engage       — the pure-Swift core (no Foundation); the only public Swift API.
//                  Hooks its sibling targets need (the C layer, the stores, the scenario
//                  tools, the CLI) are `package`, not `public` (tools version ≥ 5.9).
//   EngageSQLite — the embedded durable store (Debian's libsqlite3, through CSQLite).
//   EngageRedis  — the fleet store on a Redis server (Debian's libhiredis, through CHiredis).
//   EngageStores — Engine.open(config:): opens whichever store a config names (above
//                  every store module; the C ABI and the CLI use it).
//   EngageC      — the C ABI: @_cdecl functions only (libengage.so).
//   EngageScenario — the telco scenario's tools: the event-log generator, the simulator
//                  and its reports (Foundation allowed: not on the decision path).
//   engage-cli   — the `engage` command-line tool (installed as `engage`); the only
//                  target that uses swift-argument-parser.
// Test targets mirror the sources.
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "libengage",
    products: [
        .library(name: "Engage", targets: ["Engage"]),
        .library(name: "EngageSQLite", targets: ["EngageSQLite"]),
        .library(name: "EngageRedis", targets: ["EngageRedis"]),
        .library(name: "EngageStores", targets: ["EngageStores"]),
        // libengage.so: the C ABI (include/engage.h). `make lib` links it with the Swift
        // runtime statically and exports only engage_* symbols.
        .library(name: "engage", type: .dynamic, targets: ["EngageC"]),
        .executable(name: "engage-cli", targets: ["engage-cli"]),
    ],
    dependencies: [
        // The CLI's subcommands, options, help and shell completion (engage-cli only:
        // no library target depends on it).
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
    ],
    targets: [
        .target(
            name: "Engage",
            path: "Sources/Engage",
            swiftSettings: strict,
            // Double.rounded() and friends call libm; the core imports no Glibc/Foundation.
            linkerSettings: [.linkedLibrary("m")]
        ),
        .systemLibrary(
            name: "CSQLite",
            path: "Sources/CSQLite",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .target(
            name: "EngageSQLite",
            dependencies: ["Engage", "CSQLite"],
            path: "Sources/EngageSQLite",
            swiftSettings: strict
        ),
        .systemLibrary(
            name: "CHiredis",
            path: "Sources/CHiredis",
            providers: [.apt(["libhiredis-dev"])]
        ),
        .target(
            name: "EngageRedis",
            dependencies: ["Engage", "CHiredis"],
            path: "Sources/EngageRedis",
            swiftSettings: strict
        ),
        .target(
            name: "EngageStores",
            dependencies: ["Engage", "EngageSQLite", "EngageRedis"],
            path: "Sources/EngageStores",
            swiftSettings: strict
        ),
        // include/engage.h as a Clang module, so the CLI reads ENGAGE_VERSION from the one
        // place the library's version is written (no code: a module map only).
        .systemLibrary(
            name: "CEngageHeader",
            path: "Sources/CEngageHeader"
        ),
        .target(
            name: "EngageC",
            dependencies: ["Engage", "EngageStores"],
            path: "Sources/EngageC",
            swiftSettings: strict
        ),
        .target(
            name: "EngageScenario",
            dependencies: ["Engage"],
            path: "Sources/EngageScenario",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "engage-cli",
            dependencies: [
                "Engage", "EngageStores", "EngageScenario", "CEngageHeader",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/engage",
            swiftSettings: strict
        ),
        .testTarget(
            name: "EngageTests",
            dependencies: ["Engage", "EngageSQLite", "EngageRedis", "EngageStores", "EngageScenario"],
            path: "Tests/EngageTests",
            swiftSettings: strict
        ),
    ]
)
