import Testing

@testable import Engage
@testable import EngageScenario

// The simulation table (`engage simulate`) shows costs with the precision they have:
// the tallies are in millionths, so a real small cost is never 0.00 and no column shows
// digits the sums do not have.
@Suite struct ReportTableCostTests {
    @Test func placesAreThoseTheCostNeeds() {
        #expect(ReportTable.costPlaces(0) == 2)
        #expect(ReportTable.costPlaces(12.5) == 2)
        #expect(ReportTable.costPlaces(0.001) == 3)
        #expect(ReportTable.costPlaces(0.008) == 3)
        #expect(ReportTable.costPlaces(2.303) == 3)
        #expect(ReportTable.costPlaces(0.000001) == 6)
        // A sum of doubles carries noise past the millionth: not shown.
        #expect(ReportTable.costPlaces(0.1 + 0.2) == 2)
        #expect(ReportTable.costPlaces(0.1234567) == 6)
        #expect(ReportTable.costPlaces(-0.001) == 3)
        #expect(ReportTable.costPlaces(1e30) == 2)
        #expect(ReportTable.costPlaces(.infinity) == 2)
        #expect(ReportTable.costPlaces(.nan) == 2)
    }

    @Test func everyCostColumnUsesTheMostPreciseFiguresPlaces() throws {
        let report = try JSONParser.parse(
            #"""
            {"scenario": {"users": 2, "events": 3, "decisions": 3, "from": 0, "to": 0, "time_zone": "UTC"},
             "totals": {"impressions": 9, "cost": 0.758},
             "campaigns": [{"id": "nudge", "impressions": 8, "cost": 0.008}, {"id": "offer", "impressions": 1, "cost": 0.75}],
             "channels": [{"channel": "push", "impressions": 8, "users": 2, "cost": 0.008},
                          {"channel": "sms", "impressions": 1, "users": 1, "cost": 0.75}]}
            """#)
        let table = ReportTable.render(report)
        #expect(table.contains("· cost 0.758\n"))
        let rows = table.split(separator: "\n").map(String.init)
        #expect(rows.contains { $0.hasPrefix("nudge ") && $0.hasSuffix(" 0.008") }, "\(table)")
        #expect(rows.contains { $0.hasPrefix("offer ") && $0.hasSuffix(" 0.750") }, "\(table)")
        #expect(rows.contains { $0.hasPrefix("push ") && $0.hasSuffix(" 0.008") }, "\(table)")
        #expect(rows.contains { $0.hasPrefix("sms ") && $0.hasSuffix(" 0.750") }, "\(table)")
        #expect(!table.contains("0.01"), "a cost of 0.008 rounded away: \(table)")
    }
}
