import Foundation

@testable import Engage

/// Locates `../shared` (beside the project root) and reads its conformance data in place.
enum SharedFixtures {
    /// The project root, derived from this file's location.
    static let projectRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() } // Support, EngageTests, Tests, root file
        return url.path
    }()

    /// `$ENGAGE_SHARED`, or `../shared` relative to the project root.
    static let sharedRoot: String = {
        if let env = ProcessInfo.processInfo.environment["ENGAGE_SHARED"], !env.isEmpty { return env }
        return URL(fileURLWithPath: projectRoot).deletingLastPathComponent()
            .appendingPathComponent("shared").path
    }()

    /// The bytes of `relative` under the shared root.
    static func bytes(_ relative: String) throws -> [UInt8] {
        let path = sharedRoot + "/" + relative
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FixtureError.missing(path)
        }
        return [UInt8](data)
    }

    /// The parsed JSON of `relative` under the shared root.
    static func json(_ relative: String) throws -> JSON {
        try JSONParser.parse(bytes(relative))
    }

    enum FixtureError: Error, CustomStringConvertible {
        case missing(String)
        var description: String {
            switch self {
            case .missing(let p): return "shared fixture not found: \(p) (set ENGAGE_SHARED to the shared folder)"
            }
        }
    }
}
