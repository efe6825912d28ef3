/// The behaviour events of one kind — an event name with one combination of non-numeric
/// property values, e.g. `page_view` with `{"page": "/plans"}` — as hourly aggregates.
///
/// Each UTC hour with events keeps its count, the time of its newest event and the sum
/// of each numeric property. Reading it back as events (``UserState/forEachEvent``)
/// yields, per hour, `count` events at the newest event's time whose numeric properties
/// are the hour's mean — so counts, sums and last-seen times are exact, a filter on a
/// string or boolean property is exact, and a filter on a numeric property sees the
/// hour's mean. An hour counts in a window when its newest event does: windows are
/// exact at their newest edge and accurate to one hour at their oldest.
struct BehaviourSeries: Sendable, Equatable {
    let name: String
    /// Non-numeric properties (strings, booleans, null, arrays, objects), in key order.
    let dimensions: [Property]
    /// Names of the numeric properties summed per hour (at most
    /// ``StateLimits/maxEventProperties`` in all).
    var numericKeys: [String] = []
    /// Hours, ascending.
    var hours: [Hour] = []
    /// `hours.count × numericKeys.count` sums, row-major by hour.
    var sums: [Double] = []

    struct Property: Sendable, Equatable {
        var key: String
        var value: JSON
    }

    struct Hour: Sendable, Equatable {
        /// Hours since the epoch (UTC).
        var hour: Int32
        var count: UInt32
        /// The newest event's offset into the hour, in ms.
        var lastOffset: UInt32

        var last: Int64 { Int64(hour) * 3_600_000 + Int64(lastOffset) }
    }

    /// Splits an event's properties into the series key (non-numeric) and the numeric
    /// values to sum, keeping at most ``StateLimits/maxEventProperties`` of them.
    static func split(_ properties: JSON) -> (dimensions: [Property], numbers: [(String, Double)]) {
        guard case .object(let object) = properties else { return ([], []) }
        var dimensions: [Property] = []
        var numbers: [(String, Double)] = []
        for (key, value) in object {
            if dimensions.count + numbers.count >= StateLimits.maxEventProperties { break }
            if case .number(let d) = value, d.isFinite {
                numbers.append((key, d))
            } else {
                dimensions.append(Property(key: key, value: value))
            }
        }
        dimensions.sort { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        return (dimensions, numbers)
    }

    init(name: String, dimensions: [Property]) {
        self.name = name
        self.dimensions = dimensions
    }

    var last: Int64? { hours.last?.last }

    mutating func add(time: Int64, numbers: [(String, Double)]) {
        for (key, _) in numbers where !numericKeys.contains(key) {
            guard dimensions.count + numericKeys.count < StateLimits.maxEventProperties else { break }
            addNumericKey(key)
        }
        let hourNumber = floorDiv(time, 3_600_000)
        let hour = Int32(clamping: hourNumber)
        let offset = UInt32(clamping: time - hourNumber * 3_600_000)
        var i = hours.count
        while i > 0, hours[i - 1].hour > hour { i -= 1 }
        if i == 0 || hours[i - 1].hour != hour {
            hours.insert(Hour(hour: hour, count: 0, lastOffset: offset), at: i)
            sums.insert(contentsOf: repeatElement(0, count: numericKeys.count), at: i * numericKeys.count)
            i += 1
        }
        let h = i - 1
        hours[h].count = hours[h].count &+ 1 == 0 ? .max : hours[h].count &+ 1
        hours[h].lastOffset = max(hours[h].lastOffset, offset)
        for (key, value) in numbers {
            guard let k = numericKeys.firstIndex(of: key) else { continue }
            sums[h * numericKeys.count + k] += value
        }
    }

    private mutating func addNumericKey(_ key: String) {
        let old = numericKeys.count
        numericKeys.append(key)
        var widened: [Double] = []
        widened.reserveCapacity(hours.count * (old + 1))
        for h in 0..<hours.count {
            widened.append(contentsOf: sums[(h * old)..<(h * old + old)])
            widened.append(0)
        }
        sums = widened
    }

    func sum(hour h: Int, key: String) -> Double {
        guard let k = numericKeys.firstIndex(of: key) else { return 0 }
        return sums[h * numericKeys.count + k]
    }

    /// The shape of this series' read-back properties (dimensions, then numeric keys),
    /// for ``properties(hour:template:)``; nil when there are no properties.
    var propertiesTemplate: JSONObject? {
        guard !dimensions.isEmpty || !numericKeys.isEmpty else { return nil }
        let pairs = dimensions.map { ($0.key, $0.value) } + numericKeys.map { ($0, JSON.null) }
        let object = JSONObject(pairs)
        // Keys are distinct by construction; anything else takes the general path.
        return object.count == pairs.count ? object : nil
    }

    /// ``properties(hour:)`` built on `template` (``propertiesTemplate``): only the
    /// values are new; without numeric keys, the template itself (already the values).
    func properties(hour h: Int, template: JSONObject?) -> JSON {
        guard let template else { return properties(hour: h) }
        if numericKeys.isEmpty { return .object(template) }
        var values: [JSON] = []
        values.reserveCapacity(dimensions.count + numericKeys.count)
        for d in dimensions { values.append(d.value) }
        let count = Double(hours[h].count)
        let n = numericKeys.count
        for k in 0..<n { values.append(.number(sums[h * n + k] / count)) }
        return .object(JSONObject(sharingKeysOf: template, values: values))
    }

    /// The properties an event of hour `h` is read back with.
    func properties(hour h: Int) -> JSON {
        var pairs: [(String, JSON)] = dimensions.map { ($0.key, $0.value) }
        let count = Double(hours[h].count)
        for (k, key) in numericKeys.enumerated() {
            pairs.append((key, .number(sums[h * numericKeys.count + k] / count)))
        }
        return pairs.isEmpty ? .null : .object(JSONObject(pairs))
    }

    /// The indexes of the oldest and newest hours whose newest event is in
    /// `from...through`, or nil when none is.
    func hours(from: Int64, through: Int64) -> (oldest: Int, newest: Int)? {
        var newest = hours.count - 1
        while newest >= 0, hours[newest].last > through { newest -= 1 }
        guard newest >= 0, hours[newest].last >= from else { return nil }
        var oldest = newest
        while oldest > 0, hours[oldest - 1].last >= from { oldest -= 1 }
        return (oldest, newest)
    }

    mutating func prune(before cutoff: Int64) {
        var drop = 0
        while drop < hours.count, hours[drop].last < cutoff { drop += 1 }
        guard drop > 0 else { return }
        hours.removeFirst(drop)
        sums.removeFirst(drop * numericKeys.count)
    }

    func matches(name: String, dimensions: [Property]) -> Bool {
        self.name == name && self.dimensions == dimensions
    }
}
