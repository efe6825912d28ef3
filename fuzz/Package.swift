// swift-tools-version: 6.0
//
// libFuzzer targets for libengage, kept out of the root package so the library and its
// tests never build with sanitizers. Build and run with `fuzz/run.sh TARGET SECONDS`
// (which passes `-sanitize=fuzzer,address`). Each target defines
// `LLVMFuzzerTestOneInput` and a `main.swift` that runs libFuzzer's driver
// (`LLVMFuzzerRunDriver`): SwiftPM aliases `main` to the module's own entry point, so
// the usual `-parse-as-library` + libFuzzer-provided `main` does not link.
import PackageDescription

let fuzzSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    // `@_extern(c)` declares LLVMFuzzerRunDriver without a C shim target.
    .enableExperimentalFeature("Extern"),
]

let package = Package(
    name: "engage-fuzz",
    dependencies: [
        // Referred to by product name below, so the root folder may have any name.
        .package(name: "libengage", path: "..")
    ],
    targets: [
        // What the reader targets share: seed sets and their structure-aware mutation,
        // the invariants (short error texts), an engine with a fixed clock.
        .target(
            name: "FuzzSupport",
            dependencies: [.product(name: "Engage", package: "libengage")],
            path: "Sources/FuzzSupport",
            swiftSettings: fuzzSettings
        ),
        .executableTarget(
            name: "FuzzJSON",
            dependencies: [.product(name: "Engage", package: "libengage")],
            path: "Sources/FuzzJSON",
            swiftSettings: fuzzSettings
        ),
        .executableTarget(
            name: "FuzzLogic",
            dependencies: [.product(name: "Engage", package: "libengage")],
            path: "Sources/FuzzLogic",
            swiftSettings: fuzzSettings
        ),
        .executableTarget(
            name: "FuzzState",
            dependencies: [.product(name: "Engage", package: "libengage")],
            path: "Sources/FuzzState",
            swiftSettings: fuzzSettings
        ),
    ]
        + ["FuzzConfig", "FuzzCampaigns", "FuzzDecide", "FuzzRecord", "FuzzContext"].map { name in
            .executableTarget(
                name: name,
                dependencies: ["FuzzSupport", .product(name: "Engage", package: "libengage")],
                path: "Sources/\(name)",
                swiftSettings: fuzzSettings
            )
        }
)
