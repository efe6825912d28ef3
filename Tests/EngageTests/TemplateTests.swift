import Testing

@testable import Engage

@Suite struct TemplateTests {
    static func json(_ text: String) throws -> JSON { try JSONParser.parse(text) }

    static func compile(
        _ payload: JSON, _ format: PayloadFormat = .plain,
        path: String = "payload", renderPath: String? = nil
    ) throws -> PayloadTemplate {
        try PayloadTemplate.compile(payload, format: format, path: path, renderPath: renderPath)
    }

    /// Renders one templated string.
    static func render(
        _ text: String, _ format: PayloadFormat = .plain, data: JSON,
        maxBytes: Int = 1 << 20
    ) throws -> String? {
        try compile(.string(text), format).render(data, maxBytes: maxBytes).stringValue
    }

    /// The problem compiling one string, if any.
    static func problem(_ text: String, path: String = "payload") -> TemplateError? {
        do {
            _ = try PayloadTemplate.compile(.string(text), format: .plain, path: path)
            return nil
        } catch {
            return error
        }
    }

    static func failure(_ template: PayloadTemplate, _ data: JSON, maxBytes: Int = 1 << 20) -> TemplateRenderError? {
        if case .failure(let e) = template.renderResult(data, maxBytes: maxBytes) { return e }
        return nil
    }

    static let user: JSON = [
        "user": [
            "first_name": "Kim", "age": 42, "score": 2.5, "vip": true, "nick": "", "gone": nil,
            "address": ["city": "Seoul", "zip": "04524"], "tags": ["a", "b"],
        ],
        "items": [["name": "Router", "price": 49.9], ["name": "Modem"]],
    ]

    // MARK: - Filling

    @Test func fillsPlaceholdersWithWhitespaceAnywhereInsideBraces() throws {
        #expect(try Self.render("Hi {{user.first_name}}!", data: Self.user) == "Hi Kim!")
        #expect(try Self.render("Hi {{ user.first_name }}!", data: Self.user) == "Hi Kim!")
        #expect(try Self.render("{{\tuser.first_name\n}}, {{user.address.city}}", data: Self.user) == "Kim, Seoul")
        #expect(try Self.render("{{user.first_name}}{{user.first_name}}", data: Self.user) == "KimKim")
    }

    @Test func nestedPathsAndArrayIndexes() throws {
        #expect(try Self.render("{{items.0.name}} / {{items.1.name}}", data: Self.user) == "Router / Modem")
        #expect(try Self.render("{{user.tags.1}}", data: Self.user) == "b")
        #expect(try Self.render("{{user.address.zip}}", data: Self.user) == "04524")
        // Out of range, a non-index key on an array, a path through a scalar: missing.
        for path in ["items.2.name", "items.x", "user.first_name.x", "items.01.name"] {
            let e = Self.failure(try Self.compile(.string("{{\(path)}}")), Self.user)
            #expect(e?.code == .missing, "\(path)")
        }
    }

    @Test func valuesRenderAsText() throws {
        #expect(try Self.render("{{user.age}}", data: Self.user) == "42") // a string, not 42
        #expect(try Self.render("{{user.score}}", data: Self.user) == "2.5")
        #expect(try Self.render("{{items.0.price}}", data: Self.user) == "49.9")
        #expect(try Self.render("{{user.vip}}", data: Self.user) == "true")
        #expect(try Self.render("{{n}}", data: ["n": 1e21]) == "1e+21")
        #expect(try Self.render("{{n}}", data: ["n": -0.0]) == "0")
        // An empty string is a value, not missing: the default does not apply.
        #expect(try Self.render("[{{user.nick | default: \"x\"}}]", data: Self.user) == "[]")
    }

    @Test func defaults() throws {
        let data = Self.user
        #expect(try Self.render("Hi {{user.middle | default: \"friend\"}}", data: data) == "Hi friend")
        #expect(try Self.render("{{user.gone|default:\"null counts as missing\"}}", data: data) == "null counts as missing")
        #expect(
            try Self.render("{{ user.middle | default: \"caf\\u00e9 \\\"q\\\" }}\" }}", data: data)
                == "café \"q\" }}")
        #expect(try Self.render("{{x | default: 3}}", data: data) == "3")
        #expect(try Self.render("{{x | default: 2.50}}", data: data) == "2.5")
        #expect(try Self.render("{{x | default: -1e3}}", data: data) == "-1000")
        #expect(try Self.render("{{x | default: false}}", data: data) == "false")
        #expect(try Self.render("[{{x | default: null}}]", data: data) == "[]")
        // A present value wins over the default.
        #expect(try Self.render("{{user.first_name | default: \"friend\"}}", data: data) == "Kim")
        // An object or array has no text form: the default replaces it.
        #expect(try Self.render("{{user.address | default: \"-\"}}", data: data) == "-")
    }

    @Test func nonStringJSONAndKeysAreUntouched() throws {
        let payload = try Self.json(
            """
            {"{{user.first_name}}": "Hello {{user.first_name}}", "n": 1.5, "b": false, "z": null,
             "list": [1, "{{items.0.name}}", {"deep": ["{{user.age}}", true]}], "fixed": {"k": "v"}}
            """)
        let template = try Self.compile(payload)
        #expect(template.placeholderCount == 3)
        let out = try template.render(Self.user, maxBytes: 4096)
        #expect(
            out
                == (try Self.json(
                    """
                    {"{{user.first_name}}": "Hello Kim", "n": 1.5, "b": false, "z": null,
                     "list": [1, "Router", {"deep": ["42", true]}], "fixed": {"k": "v"}}
                    """)))
        #expect(out.objectValue?.keys == ["{{user.first_name}}", "n", "b", "z", "list", "fixed"])
        // The untemplated member is the very same storage, not a copy.
        if case .object(let fixedIn)? = payload["fixed"], case .object(let fixedOut)? = out["fixed"] {
            #expect(fixedIn._storage === fixedOut._storage)
        } else {
            Issue.record("fixed member lost")
        }
    }

    @Test func payloadWithoutPlaceholdersIsReturnedUnchanged() throws {
        let payload = try Self.json(
            """
            {"title": "Hello {friend}, 50% off }}", "body": "no braces", "n": 3, "a": [1, {"k": null}]}
            """)
        let template = try Self.compile(payload, .html)
        #expect(!template.hasPlaceholders)
        let out = try template.render(.null, maxBytes: 0) // no budget needed: no work done
        #expect(out == payload)
        if case .object(let a) = payload, case .object(let b) = out {
            #expect(a._storage === b._storage)
        } else {
            Issue.record("not an object")
        }
        // Scalars too, in every format.
        for format in PayloadFormat.allCases {
            #expect(try Self.compile("a & b <c>", format).render(.null, maxBytes: 0) == "a & b <c>")
            #expect(try Self.compile(7, format).render(.null, maxBytes: 0) == 7)
        }
    }

    // MARK: - Literal braces

    @Test func literalBraces() throws {
        #expect(
            try Self.render("{{\"{{\"}}user.first_name}} is {{user.first_name}}", data: Self.user)
                == "{{user.first_name}} is Kim")
        #expect(try Self.render("{{ \"}}\" }} and { and }} stay", data: Self.user) == "}} and { and }} stay")
        // Literal text is the author's: not escaped, even in html or url.
        #expect(try Self.render("{{\"<b>{{\"}}", .html, data: .null) == "<b>{{")
        // A payload whose only braces are escapes is constant after compile.
        let template = try Self.compile(["a": "{{\"{{\"}}x}}", "b": "plain"])
        #expect(!template.hasPlaceholders)
        #expect(try template.render(.null, maxBytes: 0) == ["a": "{{x}}", "b": "plain"])
        #expect(try Self.compile(["{{\"{{\"}}"]).render(.null, maxBytes: 0) == ["{{"])
    }

    // MARK: - Escaping

    @Test func plainDoesNotEscape() throws {
        let data: JSON = ["v": "<b>\"x\" & 'y' /?#%"]
        #expect(try Self.render("{{v}}", .plain, data: data) == "<b>\"x\" & 'y' /?#%")
    }

    @Test func htmlEscapesInjectionAttempts() throws {
        let data: JSON = [
            "name": "<script>alert('x')</script>", "attr": "\" onmouseover=\"alert(1)",
            "single": "' onfocus='x", "amp": "Tom & Jerry &amp;", "uni": "Björk 😀 <i>",
        ]
        #expect(
            try Self.render("<p>Hi {{name}}</p>", .html, data: data)
                == "<p>Hi &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</p>")
        #expect(
            try Self.render("<a title=\"{{attr}}\">", .html, data: data)
                == "<a title=\"&quot; onmouseover=&quot;alert(1)\">")
        #expect(
            try Self.render("<a title='{{single}}'>", .html, data: data)
                == "<a title='&#39; onfocus=&#39;x'>")
        #expect(try Self.render("{{amp}}", .html, data: data) == "Tom &amp; Jerry &amp;amp;")
        #expect(try Self.render("{{uni}}", .html, data: data) == "Björk 😀 &lt;i&gt;")
        // Defaults are values too: escaped.
        #expect(try Self.render("{{x | default: \"<b>\"}}", .html, data: data) == "&lt;b&gt;")
    }

    @Test func urlPercentEncodesEverythingOutsideUnreserved() throws {
        let data: JSON = [
            "q": "Kim & Lee/ü?x=1#frag+%", "safe": "AZaz09-._~", "emoji": "😀", "n": 1e21,
            "path": "../../admin", "sp": " \t\n",
        ]
        #expect(
            try Self.render("https://x.example/s?q={{q}}", .url, data: data)
                == "https://x.example/s?q=Kim%20%26%20Lee%2F%C3%BC%3Fx%3D1%23frag%2B%25")
        #expect(try Self.render("{{safe}}", .url, data: data) == "AZaz09-._~")
        #expect(try Self.render("{{emoji}}", .url, data: data) == "%F0%9F%98%80")
        #expect(try Self.render("{{n}}", .url, data: data) == "1e%2B21")
        #expect(try Self.render("/u/{{path}}", .url, data: data) == "/u/..%2F..%2Fadmin")
        #expect(try Self.render("{{sp}}", .url, data: data) == "%20%09%0A")
        #expect(try Self.render("?q={{x | default: \"a b\"}}", .url, data: data) == "?q=a%20b")
        // The URL itself, as written by the author, is left alone.
        #expect(try Self.render("https://x.example/ä b?{{safe}}", .url, data: data) == "https://x.example/ä b?AZaz09-._~")
    }

    // MARK: - Missing values

    @Test func missingValueFailsNamingPlaceholderAndField() throws {
        let payload: JSON = ["title": "Hi {{user.first_name}}", "body": "{{user.plan}}"]
        let template = try Self.compile(
            payload, path: "campaigns[2].channels.push.payload",
            renderPath: "channels.push.payload")
        let e = Self.failure(template, ["user": [:]])
        #expect(e?.code == .missing)
        #expect(e?.placeholder == "user.first_name") // the first in document order
        #expect(e?.field == "channels.push.payload.title")
        #expect(e?.reason == "personalisation: missing user.first_name in channels.push.payload.title")
        // Null counts as missing.
        #expect(Self.failure(template, ["user": ["first_name": nil, "plan": "x"]])?.placeholder == "user.first_name")
        // Without renderPath, failures use the compile path.
        let t2 = try Self.compile(["a": ["{{x}}"]], path: "campaigns[0].channels.sms.payload")
        #expect(Self.failure(t2, [:])?.reason == "personalisation: missing x in campaigns[0].channels.sms.payload.a[0]")
    }

    @Test func objectOrArrayValueWithoutDefaultFails() throws {
        let template = try Self.compile(["t": "{{user.address}}"])
        let e = Self.failure(template, Self.user)
        #expect(e?.code == .notText)
        #expect(e?.found == "object")
        #expect(e?.reason == "personalisation: user.address is an object, not text, in payload.t")
        #expect(Self.failure(try Self.compile("{{user.tags}}"), Self.user)?.found == "array")
        // The reason never carries the user's values.
        #expect(!(e?.reason.contains("Seoul") ?? true))
    }

    // MARK: - Output bound

    @Test func outputIsBoundedByMaxBytes() throws {
        let template = try Self.compile("Hi {{n}}") // 3 literal bytes + value
        #expect(try template.render(["n": "abc"], maxBytes: 6) == "Hi abc")
        let e = Self.failure(template, ["n": "abc"], maxBytes: 5)
        #expect(e?.code == .tooLarge)
        #expect(e?.reason == "personalisation: rendered payload exceeds 5 bytes at payload")
        #expect(Self.failure(template, ["n": "abc"], maxBytes: -1)?.code == .tooLarge)
        #expect(try template.render(["n": "abc"], maxBytes: .max) == "Hi abc")
        // Escaped size is what counts.
        let url = try Self.compile("{{n}}", .url)
        #expect(try url.render(["n": "ü"], maxBytes: 6) == "%C3%BC")
        #expect(Self.failure(url, ["n": "ü"], maxBytes: 5)?.code == .tooLarge)
        // The budget is shared by every string in the payload.
        let two = try Self.compile(["a": "{{n}}", "b": "{{n}}", "c": "untemplated, not counted"])
        #expect(try two.render(["n": "12345"], maxBytes: 10)["a"] == "12345")
        #expect(Self.failure(two, ["n": "12345"], maxBytes: 9)?.field == "payload.b")
    }

    @Test func manyReferencesToAHugeValueStopEarly() throws {
        // 2,000 placeholders × a 1 MB value would be 2 GB; the budget stops it at once.
        let big = String(repeating: "<", count: 1 << 20)
        let elements = [JSON](repeating: "{{v}}{{v}}", count: 1000)
        let template = try Self.compile(.array(elements), .html)
        #expect(template.placeholderCount == 2000)
        let e = Self.failure(template, ["v": .string(big)], maxBytes: 64 << 10)
        #expect(e?.code == .tooLarge)
        #expect(e?.field == "payload[0]")
        // Small values fit.
        let ok = try template.render(["v": "x"], maxBytes: 4096)
        #expect(ok[999] == "xx")
    }

    // MARK: - Compile errors

    @Test func unterminatedPlaceholderNamesPathAndCharacter() throws {
        let payload = try Self.json(#"{"title": "ok", "body": "Hello, there {{name"}"#)
        do {
            _ = try PayloadTemplate.compile(payload, format: .plain, path: "campaigns[2].channels.push.payload")
            Issue.record("compiled")
        } catch {
            #expect(error.code == .unterminatedPlaceholder)
            #expect(error.path == "campaigns[2].channels.push.payload.body")
            #expect(error.character == 14)
            #expect(error.description == "campaigns[2].channels.push.payload.body: unterminated placeholder at character 14")
        }
        // Characters are counted as Unicode scalars, not bytes.
        #expect(Self.problem("héllo 😀 {{x")?.character == 9)
        // A "{{" whose only "}}" comes before it, or that is never closed at all.
        #expect(Self.problem("}} {{x")?.code == .unterminatedPlaceholder)
        #expect(Self.problem("{{")?.code == .unterminatedPlaceholder)
        #expect(Self.problem("a {{ b, c")?.description == "payload: unterminated placeholder at character 3")
        #expect(Self.problem("{{ x | default: \"abc }}")?.code == .unterminatedPlaceholder)
    }

    @Test func otherSyntaxErrors() throws {
        let cases: [(String, TemplateError.Code, Int)] = [
            ("{{}}", .emptyPlaceholder, 1),
            ("ab {{   }}", .emptyPlaceholder, 4),
            ("{{a b}}", .unexpectedCharacter, 5),
            ("{{user..name}}", .invalidPath, 3),
            ("{{ .name }}", .invalidPath, 4),
            ("{{name.}}", .invalidPath, 3),
            ("{{ a | upper }}", .unknownFilter, 8),
            ("{{ a | }}", .unexpectedCharacter, 8),
            ("{{a | default \"x\"}}", .unexpectedCharacter, 15),
            ("{{a | default: Guest}}", .invalidDefault, 16),
            ("{{a | default: [1]}}", .invalidDefault, 16),
            ("{{a | default: }}", .invalidDefault, 16),
            ("{{a | default: \"\\q\"}}", .invalidDefault, 18),
            ("{{a | default: 01}}", .invalidDefault, 16),
            ("{{a | default: \"x\" | default: \"y\"}}", .unexpectedCharacter, 20),
            ("{{\"x\" | default: \"y\"}}", .unexpectedCharacter, 7),
            ("{{{a}}}", .unexpectedCharacter, 3),
            ("{{a\u{1}}}", .unexpectedCharacter, 4),
        ]
        for (text, code, character) in cases {
            let p = Self.problem(text)
            #expect(p?.code == code, "\(text): \(p?.description ?? "no error")")
            #expect(p?.character == character, "\(text): \(p?.description ?? "no error")")
            #expect(p?.description.hasPrefix("payload: ") == true)
        }
        #expect(Self.problem("{{ a | upper }}")?.message == "unknown filter \"upper\" at character 8 (expected default)")
        #expect(
            Self.problem("{{a | default \"x\"}}")?.message
                == "expected \":\" after default at character 15, found '\"'")
        // Tripled braces point at the way to write literal ones.
        #expect(Self.problem("{{{a}}}")?.message.contains("{{\"{{\"}}") == true)
    }

    @Test func everyBadStringIsReported() throws {
        let payload = try Self.json(#"["{{", {"a": "{{}}", "ok": "{{x}}"}, "{{x | nope}}", "fine"]"#)
        var problems: [TemplateError] = []
        _ = PayloadTemplate.compile(
            payload, format: .plain, path: "campaigns[0].channels.email.payload",
            problems: &problems)
        #expect(
            problems.map(\.path) == [
                "campaigns[0].channels.email.payload[0]",
                "campaigns[0].channels.email.payload[1].a",
                "campaigns[0].channels.email.payload[2]",
            ])
        #expect(problems.map(\.code) == [.unterminatedPlaceholder, .emptyPlaceholder, .unknownFilter])
        var capped: [TemplateError] = []
        _ = PayloadTemplate.compile(payload, format: .plain, path: "p", problems: &capped, maxProblems: 2)
        #expect(capped.count == 2)
    }

    @Test func payloadNestedBeyondTheCeilingIsAnErrorNotACrash() throws {
        var value: JSON = "{{x}}"
        for _ in 0..<(JSONLimits.depthCeiling + 5) { value = .array([value]) }
        #expect(throws: TemplateError.self) { try Self.compile(value) }
        do {
            _ = try PayloadTemplate.compile(value, format: .plain, path: "p")
        } catch {
            #expect(error.code == .tooDeep)
        }
    }

    @Test func compiledTemplateIsSharedAcrossThreads() async throws {
        let template = try Self.compile(["t": "Hi {{name}}"], .html)
        await withTaskGroup(of: Bool.self) { group in
            for i in 0..<64 {
                group.addTask {
                    let out = try? template.render(["name": .string("<\(i)>")], maxBytes: 100)
                    return out?["t"] == .string("Hi &lt;\(i)&gt;")
                }
            }
            for await ok in group { #expect(ok) }
        }
    }
}
