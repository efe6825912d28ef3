// swift-tools-version: 6.0
//
// libengage's benchmarks, a package apart so the library depends on no benchmark code.
// Build and run through `make bench` (release).
import PackageDescription

// SwiftPM names a path dependency after its folder (`main`, `libengage`, a CI clone's
// name...), not after its manifest, so derive the root package's identity from the path.
let rootIdentity = Context.packageDirectory
    .split(separator: "/").dropLast().last.map { $0.lowercased() } ?? "libengage"

let package = Package(
    name: "engage-bench",
    dependencies: [
        .package(path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "engage-bench",
            dependencies: [.product(name: "Engage", package: rootIdentity)],
            path: "Sources/engage-bench",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
