// swift-tools-version: 6.0
//
// libengage's benchmarks, a package apart so the library depends on no benchmark code.
// Build and run through `make bench` (release).
import PackageDescription

let package = Package(
    name: "engage-bench",
    dependencies: [
        // Named, so the product reference below holds whatever the clone's folder is called.
        .package(name: "libengage", path: "..")
    ],
    targets: [
        .executableTarget(
            name: "engage-bench",
            dependencies: [
                .product(name: "Engage", package: "libengage"),
                .product(name: "EngageSQLite", package: "libengage"),
                .product(name: "EngageRedis", package: "libengage"),
            ],
            path: "Sources/engage-bench",
            swiftSettings: [.swiftLanguageMode(.v6)]
        )
    ]
)
