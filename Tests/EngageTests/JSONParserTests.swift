import Testing
@testable import Engage

@Suite struct JSONParserSmokeTests {
    @Test func parsesNested() throws {
        let v = try JSONParser.parse(#"{"a":[1,2.5,"x\u00e9",true,null],"b":{}}"#)
        #expect(v["a"]?[1] == .number(2.5))
        #expect(JSONSerializer.string(v) == #"{"a":[1,2.5,"xé",true,null],"b":{}}"#)
    }
}
