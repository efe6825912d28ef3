// load: a 10,000-campaign set (the decide benchmark's telco campaigns copied under new
// ids) loaded from its JSON bytes into a fresh engine: the time it takes and the resident
// memory it adds, as the median of a few loads.
import Engage

#if canImport(Glibc)
import Glibc
#endif

enum LoadBench {
    static func run(campaigns: Int, loads: Int) throws -> [BenchResult] {
        let bytes = JSONSerializer.bytes(try EngineBench.campaignSet(count: campaigns))
        // Warm-up on a small set: the zone cache and first-use paths are not the cost of
        // loading 10,000 campaigns.
        try Engine(clock: { EngineBench.now }).load(bytes: JSONSerializer.bytes(try EngineBench.campaignSet(count: 100)))

        let clock = ContinuousClock()
        var millis: [Double] = [], retained: [Double] = [], peak: [Double] = []
        for _ in 0..<loads {
            // Freed memory goes back to the system first, so the growth is this load's
            // and not hidden by an earlier load's free lists.
            EngineBench.trimHeap()
            let engine = Engine(clock: { EngineBench.now })
            let before = EngineBench.residentBytes()
            let peakReset = resetPeakResident()
            let start = clock.now
            try engine.load(bytes: bytes)
            millis.append((clock.now - start).nanoseconds / 1e6)
            if peakReset, let hwm = peakResident() { peak.append(Double(hwm - before) / 1e6) }
            // What the parse and compile freed leaves too: the growth is what the
            // loaded set keeps.
            EngineBench.trimHeap()
            retained.append(Double(EngineBench.residentBytes() - before) / 1e6)
            guard engine.campaignSet?.campaigns.count == campaigns else {
                throw BenchError("load: \(engine.campaignSet?.campaigns.count ?? 0) campaigns loaded, expected \(campaigns)")
            }
        }
        EngineBench.trimHeap()
        // The JSON parse alone, for the detail.
        var parse: [Double] = []
        for _ in 0..<loads {
            let start = clock.now
            blackHole(try JSONParser.parse(bytes))
            parse.append((clock.now - start).nanoseconds / 1e9)
        }

        let mb = Double(bytes.count) / 1e6
        let peakText = peak.isEmpty ? "" : "; peak during load +\(format(Stats(peak).median)) MB"
        return [
            BenchResult(
                name: "load, \(campaigns) campaigns", unit: "ms", higherIsBetter: false, stats: Stats(millis),
                detail: "\(bytes.count) bytes of JSON (\(format((mb * 10).rounded() / 10)) MB); "
                    + "of which JSON parse \(format(Stats(parse).median * 1000)) ms (median); \(loads) loads, each into a fresh engine",
                target: 1000,
                extra: [("campaigns", .number(Double(campaigns))), ("json_bytes", .number(Double(bytes.count)))]),
            BenchResult(
                name: "load, \(campaigns) campaigns, resident growth", unit: "MB", higherIsBetter: false,
                stats: Stats(retained),
                detail: "resident memory the loaded set keeps (heap trimmed before each load and after it)\(peakText)",
                extra: [("json_bytes", .number(Double(bytes.count)))]),
        ]
    }

    /// Resets the kernel's peak-resident mark (VmHWM) to the current resident size;
    /// false where /proc/self/clear_refs cannot be written.
    static func resetPeakResident() -> Bool {
        let fd = open("/proc/self/clear_refs", O_WRONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return write(fd, "5", 1) == 1
    }

    /// VmHWM from /proc/self/status, in bytes.
    static func peakResident() -> Int? {
        guard let f = fopen("/proc/self/status", "r") else { return nil }
        defer { fclose(f) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), f) != nil {
            let text = cText(line)
            guard text.hasPrefix("VmHWM:") else { continue }
            let kb = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap { Int($0) }
            return kb.map { $0 * 1024 }
        }
        return nil
    }

    /// The text of a NUL-terminated C buffer.
    static func cText(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
