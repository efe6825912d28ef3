import Foundation
import Testing

@testable import Engage

// One source of truth (STYLE): the limits include/engage.h names are the core's. The C
// host test checks the same macros against libengage.so's behaviour (robustness.c).

@Suite struct HeaderLimitsTests {
    /// `#define NAME VALUE` lines of include/engage.h.
    private func macros() throws -> [String: String] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let header = try String(contentsOf: root.appendingPathComponent("include/engage.h"), encoding: .utf8)
        var out: [String: String] = [:]
        for line in header.split(separator: "\n") where line.hasPrefix("#define ENGAGE_") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count >= 3 { out[String(parts[1])] = String(parts[2]) }
        }
        return out
    }

    @Test func defaultLimitsMatchTheCore() throws {
        let m = try macros()
        let defaults = EngineConfig()
        #expect(m["ENGAGE_DEFAULT_MAX_REQUEST_BYTES"] == "\(defaults.maxRequestBytes)")
        #expect(m["ENGAGE_DEFAULT_MAX_DEPTH"] == "\(defaults.maxRequestDepth)")
        #expect(m["ENGAGE_MAX_ERROR_TEXT"] == "\(ErrorText.maxBytes)")
        #expect(m["ENGAGE_MAX_CAMPAIGN_BYTES"] == "\(JSONLimits.default.maxBytes)")
    }
}
