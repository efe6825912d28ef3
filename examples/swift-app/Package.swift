// swift-tools-version: 6.0
// A host app that embeds libengage as a Swift package: `import Engage`.
import PackageDescription

let package = Package(
    name: "swift-app",
    dependencies: [.package(name: "libengage", path: "../..")],
    targets: [
        .executableTarget(
            name: "swift-app",
            dependencies: [.product(name: "Engage", package: "libengage")],
            path: "Sources/swift-app",
            swiftSettings: [.swiftLanguageMode(.v6)]
        )
    ]
)
