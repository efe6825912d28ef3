import Foundation
import Testing

@testable import Engage

// Every file in examples/campaigns goes through the Swift validator: `*.json` files
// whose name starts with `invalid` must fail with exactly the problems listed in the
// `.expected.txt` file beside them (one `description` a line); every other one must
// load. Tests/schema/test_schema.py checks the same files against the JSON Schema.

@Suite struct CampaignSetExampleTests {
    static let directory = SharedFixtures.projectRoot + "/examples/campaigns"

    static func exampleFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }.sorted()
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: directory + "/" + name) else {
            throw SharedFixtures.FixtureError.missing(directory + "/" + name)
        }
        return [UInt8](data)
    }

    @Test func thereAreValidAndInvalidExamples() throws {
        let files = try Self.exampleFiles()
        #expect(files.contains { $0.hasPrefix("invalid") })
        #expect(files.contains { !$0.hasPrefix("invalid") })
    }

    @Test func validExamplesLoad() throws {
        for name in try Self.exampleFiles() where !name.hasPrefix("invalid") {
            let bytes = try Self.bytes(name)
            do throws(CampaignSetLoadError) {
                let set = try CompiledCampaignSet(bytes: bytes)
                #expect(!set.campaigns.isEmpty, "\(name)")
            } catch {
                Issue.record("\(name): \(error)")
            }
        }
    }

    @Test func invalidExamplesListTheExpectedProblems() throws {
        for name in try Self.exampleFiles() where name.hasPrefix("invalid") {
            let expectedName = String(name.dropLast(".json".count)) + ".expected.txt"
            let expected = String(decoding: try Self.bytes(expectedName), as: UTF8.self)
                .split(separator: "\n").map(String.init)
            let bytes = try Self.bytes(name)
            do throws(CampaignSetLoadError) {
                _ = try CompiledCampaignSet(bytes: bytes)
                Issue.record("\(name) loaded but should not")
            } catch {
                #expect(error.problems.map(\.description) == expected, "\(name)")
            }
        }
    }

    /// schema/campaign-set.schema.json names exactly the members the reader accepts, at
    /// the root, in a campaign and in `policies`: a field added to one and not the other
    /// (the salts were in the docs and the vectors but not the format) fails here.
    @Test func theSchemaNamesTheReadersMembers() throws {
        let path = SharedFixtures.projectRoot + "/schema/campaign-set.schema.json"
        let schema = try JSONParser.parse([UInt8](try #require(FileManager.default.contents(atPath: path))))
        func members(_ v: JSON?) -> Set<String> { Set(v?["properties"]?.objectValue?.keys ?? []) }
        #expect(members(schema) == Set(CampaignSetReader.rootFields))
        #expect(members(schema["$defs"]?["campaign"]) == Set(CampaignSetReader.campaignFields))
        #expect(members(schema["$defs"]?["policies"]) == Set(CampaignSetReader.policyFields))
    }

    /// The full example exercises every part of the format.
    @Test func fullExampleCoversTheFormat() throws {
        let set = try CompiledCampaignSet(bytes: try Self.bytes("telco-full.json"))
        let all = set.campaigns.map(\.campaign)
        #expect(Set(all.map(\.purpose)) == Set(Purpose.allCases))
        #expect(Set(all.map(\.status)) == Set(CampaignStatus.allCases))
        #expect(Set(all.flatMap { $0.channels.map(\.channel) }) == Set(Channel.allCases))
        #expect(Set(all.flatMap { $0.channels.map(\.format) }) == Set(PayloadFormat.allCases))
        let windows = all.flatMap { $0.caps.map(\.window) } + set.set.policies.globalCaps.map(\.cap.window)
        #expect(windows.contains(.lifetime))
        #expect(windows.contains(.calendar(.day)) && windows.contains(.calendar(.week)) && windows.contains(.calendar(.month)))
        #expect(windows.contains { if case .rolling = $0 { return true } else { return false } })
        #expect(all.contains { $0.schedule?.hours != nil && $0.schedule?.timeZone == .user })
        #expect(set.campaigns.contains { $0.scheduleZone?.identifier == "Asia/Seoul" })
        #expect(all.contains { !$0.variants.isEmpty && $0.variants.contains { !$0.overrides.isEmpty } })
        #expect(all.contains { $0.holdoutPercent > 0 && $0.cooldownAfterDismiss != nil && $0.score != nil && $0.exclusionGroup != nil })
        #expect(set.campaigns.contains { $0.exit.contains { $0.filter != nil } })
        let p = set.set.policies
        #expect(!p.tagCaps.isEmpty && !p.channelCaps.isEmpty && !p.quietHours.isEmpty && !p.suppression.isEmpty)
        #expect(p.controlGroupPercent > 0 && p.channelCosts[.whatsapp] != nil)
        #expect(set.segments.names.count == 4)
        #expect(set.set.events?["page_dwell"] == ["page", "seconds"] && set.warnings.isEmpty)
        #expect(
            set.campaigns(forPlacement: "app_home_popup").map { set.campaigns[$0].campaign.id }
                == ["retention-offer", "plan-change-nudge", "draft-idea"])
    }
}
