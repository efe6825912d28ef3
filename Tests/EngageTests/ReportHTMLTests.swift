import Engage
import EngageScenario
import Foundation
import XCTest

/// The HTML report: complete, self-contained, escaped, and total over any input shape.
///
/// Set `ENGAGE_REPORT_HTML_OUT=/path/report.html` to keep the sample's rendering for
/// `scripts/test-report-browser.sh`.
final class ReportHTMLTests: XCTestCase {
    /// `Tests/scenario/fixtures/report-sample.json`, beside this file's folder.
    static let samplePath: String = {
        var url = URL(fileURLWithPath: #filePath)
        url.deleteLastPathComponent() // EngageTests
        url.deleteLastPathComponent() // Tests
        return url.appendingPathComponent("scenario/fixtures/report-sample.json").path
    }()

    func sample() throws -> JSON {
        let data = try XCTUnwrap(
            FileManager.default.contents(atPath: Self.samplePath),
            "fixture missing: \(Self.samplePath)")
        return try JSONParser.parse([UInt8](data))
    }

    func assertDocument(_ html: String, _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"), "no doctype \(message)", file: file, line: line)
        XCTAssertTrue(html.hasSuffix("</body>\n</html>\n"), "unterminated \(message)", file: file, line: line)
        XCTAssertTrue(html.contains("<title>"), "no title \(message)", file: file, line: line)
    }

    func testSampleIsACompleteDocumentWithEveryChartAndCampaign() throws {
        let report = try sample()
        let html = ReportHTML.render(report)
        assertDocument(html)
        for chart in ["Reach funnel", "Impressions by hour of day", "Cost per channel", "Impressions per channel"] {
            XCTAssertTrue(
                html.contains("<svg class=\"chart\" viewBox=\"0 0 ") && html.contains("aria-label=\"\(chart)\""),
                "missing chart \(chart)")
        }
        let campaigns = try XCTUnwrap(report["campaigns"]?.arrayValue)
        XCTAssertGreaterThanOrEqual(campaigns.count, 5)
        // One funnel per campaign, the hours chart, two channel charts, one CI plot per goal.
        XCTAssertGreaterThanOrEqual(html.components(separatedBy: "<svg").count - 1, campaigns.count + 3)
        for c in campaigns {
            let id = try XCTUnwrap(c["id"]?.stringValue)
            XCTAssertTrue(html.contains("<tr data-campaign=\"\(id)\">"), "no table row for \(id)")
            XCTAssertTrue(html.contains("<figure class=\"funnel\" data-campaign=\"\(id)\">"), "no funnel for \(id)")
        }
        for channel in ["in_app", "push", "rcs", "sms", "whatsapp", "email"] {
            XCTAssertTrue(html.contains("</span>\(channel)</li>"), "legend lacks \(channel)")
        }
        XCTAssertTrue(html.contains("Asia/Seoul"))
        XCTAssertTrue(html.contains("2025-03-03 00:00"), "period not shown in the scenario's time zone")
        XCTAssertTrue(html.contains("12,769"), "total impressions not grouped")
        XCTAssertEqual(html, ReportHTML.render(report), "rendering is not deterministic")

        if let out = ProcessInfo.processInfo.environment["ENGAGE_REPORT_HTML_OUT"], !out.isEmpty {
            try html.write(toFile: out, atomically: true, encoding: .utf8)
        }
    }

    func testSampleLoadsNothingFromTheNetwork() throws {
        let html = ReportHTML.render(try sample()).lowercased()
        for needle in ["http://", "https://", "<script", "<link", "<img", "<iframe", "@import", "url(", "src="] {
            XCTAssertFalse(html.contains(needle), "report contains \(needle)")
        }
        XCTAssertTrue(html.contains("content-security-policy\" content=\"default-src 'none'"))
    }

    func testEveryReportStringIsEscaped() {
        let hostile = "<script>alert(1)</script> & \"x\""
        let escaped = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;"
        let report: JSON = [
            "inputs": ["campaigns": .string(hostile), "events": .string(hostile), "responses": .string(hostile)],
            "scenario": ["time_zone": .string(hostile), "from": 0, "to": 86_400_000],
            "channels": [["channel": .string(hostile), "impressions": 3, "cost": 1.5]],
            "hours": ["time_zone": .string(hostile), "by_channel": [hostile: [1, 2, 3]]],
            "campaigns": [
                [
                    "id": .string(hostile), "name": .string(hostile), "purpose": .string(hostile),
                    "status": .string(hostile), "funnel": ["reached": 10, "shown": 4],
                    "blocked": [hostile: 3],
                    "conversion": ["event": .string(hostile), "uplift": 0.1, "ci95": [0.05, 0.15]],
                    "variants": [["id": .string(hostile), "users": 2]],
                ]
            ],
        ]
        let html = ReportHTML.render(report)
        assertDocument(html)
        XCTAssertFalse(html.contains(hostile))
        XCTAssertFalse(html.contains("<script"))
        XCTAssertTrue(html.contains(escaped))
        XCTAssertTrue(html.contains("data-campaign=\"\(escaped)\""))
    }

    func testNonObjectsRenderAnEmptyReport() {
        let values: [JSON] = [
            .object(JSONObject()), .null, true, 0, -1.5, "report", [], [[:]],
            ["campaigns": [.null, 1, "x", [], [:]]],
        ]
        for value in values {
            let html = ReportHTML.render(value)
            assertDocument(html, "for \(value)")
            XCTAssertTrue(html.contains("—"), "missing values not shown as a dash for \(value)")
        }
    }

    func testNumbersAtTheEdgesDoNotTrap() {
        let extremes: [JSON] = [
            .number(.nan), .number(.infinity), .number(-.infinity), 1e300, -1e300,
            -9_223_372_036_854_775_808.0, 9.2e18, 0.1, -0.0, .number(.leastNonzeroMagnitude),
        ]
        for x in extremes {
            let report: JSON = [
                "version": x,
                "scenario": ["users": x, "from": x, "to": x, "time_zone": "Asia/Seoul"],
                "totals": ["impressions": x, "users_reached": x, "clicks": x, "cost": x],
                "channels": [["channel": "sms", "impressions": x, "cost": x, "users": x]],
                "hours": [
                    "impressions": .array(Array(repeating: x, count: 24)),
                    "by_channel": ["push": .array(Array(repeating: x, count: 30))],
                ],
                "campaigns": [
                    [
                        "id": "c", "frequency": x, "impressions": x, "clicks": x,
                        "funnel": ["reached": x, "audience": x, "converted": x],
                        "blocked": ["consent": x, "exit": x], "caps_hit": ["tag": x],
                        "conversion": [
                            "uplift": x, "ci95": [x, x], "relative": x,
                            "treated": ["users": x, "converted": x, "rate": x],
                        ],
                        "variants": [["id": "v", "users": x, "converted": x]],
                    ]
                ],
            ]
            assertDocument(ReportHTML.render(report), "for \(x)")
        }
    }

    /// Every member of the sample (each object member, and the first element of each
    /// array) removed or replaced by a value of each other type.
    func testWrongTypesForEveryMemberDoNotTrap() throws {
        let report = try sample()
        let replacements: [JSON?] = [nil, .null, "x", false, -3, 2.5, [], [:], [[:], "y"]]
        var renders = 0
        for replacement in replacements {
            for variant in Self.mutations(of: report, replacement: replacement) {
                assertDocument(ReportHTML.render(variant), "with \(replacement.map(\.description) ?? "member removed")")
                renders += 1
            }
        }
        XCTAssertGreaterThan(renders, 500, "the walk over the sample's members is too shallow")
    }

    /// Copies of `value`, each with one member (or first array element) replaced by
    /// `replacement` — removed when nil. The depth follows the fixture's.
    static func mutations(of value: JSON, replacement: JSON?) -> [JSON] {
        var out: [JSON] = []
        switch value {
        case .object(let o):
            let pairs = o.map { ($0.key, $0.value) }
            for (i, (_, member)) in pairs.enumerated() {
                var removed = pairs
                if let replacement { removed[i].1 = replacement } else { removed.remove(at: i) }
                out.append(.object(JSONObject(removed)))
                for m in mutations(of: member, replacement: replacement) {
                    var changed = pairs
                    changed[i].1 = m
                    out.append(.object(JSONObject(changed)))
                }
            }
        case .array(let a):
            guard let first = a.first else { break }
            var replaced = a
            if let replacement { replaced[0] = replacement } else { replaced.removeFirst() }
            out.append(.array(replaced))
            for m in mutations(of: first, replacement: replacement) {
                var changed = a
                changed[0] = m
                out.append(.array(changed))
            }
        default:
            break
        }
        return out
    }
}
