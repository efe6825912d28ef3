import Foundation

/// A new empty folder under the system's temporary directory (the caller removes it).
func temporaryFolder(_ prefix: String = "engage-test") throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
