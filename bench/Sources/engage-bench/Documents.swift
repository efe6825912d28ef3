// Deterministic, realistic input documents: the same bytes on every run and machine.
import Engage

/// SplitMix64: a small, fast, well-distributed generator with a fixed seed.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in 0..<n.
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func pick<T>(_ values: [T]) -> T { values[below(values.count)] }
}

enum Documents {
    static let plans = ["mobile_s_10gb", "mobile_m_30gb", "mobile_l_unlimited", "fiber_500_tv", "fiber_1g_tv"]
    static let ageBands = ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"]
    static let segments = ["digital_first", "prefers_human", "price_sensitive", "family", "business"]
    static let pages = [
        "/plans", "/plans/mobile-m", "/internet", "/iptv", "/bundles", "/help/roaming",
        "/account/invoices", "/compare", "/shop/phones/galaxy-s25", "/support/chat",
    ]

    /// The user context a decision request carries: CRM profile, consent, behaviour summary.
    static func user(_ i: Int, rng: inout SplitMix64) -> JSON {
        [
            "id": .string("u-\(100_000 + i)"),
            "profile": [
                "plan": .string(rng.pick(plans)),
                "age_band": .string(rng.pick(ageBands)),
                "tenure_months": .number(Double(rng.below(120))),
                "contract_months_left": .number(Double(rng.below(25))),
                "segment": .string(rng.pick(segments)),
                "arpu": .number(Double(999 + rng.below(6000)) / 100),
                "city": "São João da Madeira",
                "language": "pt-PT",
                "time_zone": "Europe/Lisbon",
                "ott": ["included": rng.below(3) == 0 ? "streamflix" : nil, "linked": .bool(rng.below(2) == 0)],
            ],
            "consent": [
                "marketing": .bool(rng.below(10) != 0),
                "service": true,
                "channels": [
                    "in_app": true, "push": .bool(rng.below(4) != 0), "sms": .bool(rng.below(2) == 0),
                    "whatsapp": false, "email": true,
                ],
            ],
        ]
    }

    /// A ~1 KB decision request: user context, the triggering event, the placement, the device.
    static func request() -> [UInt8] {
        var rng = SplitMix64(seed: 1)
        let doc: JSON = [
            "request_id": "9f0c2a1e-5b7d-4c1a-8e2f-3d4b5a6c7e8f",
            "user": user(42, rng: &rng),
            "event": [
                "name": "page_view",
                "at": 1_763_898_120_000,
                "properties": [
                    "page": "/plans/mobile-m", "referrer": "/home", "dwell_ms": 5230,
                    "title": "Planos \"M\" — 30 GB", "campaign_ref": nil,
                ],
            ],
            "placement": "app_home_popup",
            "top_k": 1,
            "device": [
                "app_foreground": true, "app_version": "5.12.1", "os": "android 14",
                "locale": "pt_PT", "screen": [1080, 2400], "battery": 0.62,
            ],
            "behaviour": [
                "plans_page_views_7d": 4, "cart_plan": nil, "support_contacts_30d": 1,
                "price_comparison_visits_30d": 0, "last_seen_ms": 1_763_811_720_000,
            ],
            "explain": false,
        ]
        return JSONSerializer.bytes(doc)
    }

    /// A user context with a week of behaviour events, grown to at least `size` bytes.
    static func userWithHistory(size: Int) -> [UInt8] {
        var rng = SplitMix64(seed: 7)
        let profile = user(7, rng: &rng)
        var events: [JSON] = []
        var bytes = JSONSerializer.bytes(profile).count + 16
        let weekStart: Double = 1_763_251_200_000
        while bytes < size {
            let name = rng.pick([
                "page_view", "page_view", "page_view", "app_open", "search", "add_to_cart",
                "support_contact", "push_received", "push_opened",
            ])
            var properties: [(String, JSON)] = [
                ("page", .string(rng.pick(pages))),
                ("session", .string("s-\(rng.below(1_000_000))")),
                ("dwell_ms", .number(Double(rng.below(180_000)))),
            ]
            if name == "search" {
                properties.append(("query", .string(rng.pick(["fibra 1 giga", "roaming \u{00E9}t\u{00E9}", "iphone 16 preço", "tarifário \"família\""]))))
            }
            if name == "add_to_cart" {
                properties.append(("sku", .string(rng.pick(plans)))); properties.append(("price", .number(Double(rng.below(5000)) / 100)))
            }
            let event: JSON = [
                "name": .string(name),
                "at": .number(weekStart + Double(rng.below(7 * 86_400_000))),
                "properties": .object(JSONObject(properties)),
            ]
            bytes += JSONSerializer.bytes(event).count + 1
            events.append(event)
        }
        guard case .object(let o) = profile else { return [] }
        var members = Array(o.map { ($0.key, $0.value) })
        members.append(("events", .array(events)))
        return JSONSerializer.bytes(.object(JSONObject(members)))
    }
}
