import Engage
import Glibc

/// Seed documents: the project's examples (read from the source tree, found from this
/// file's path, so the fuzz binary runs from any folder and the seeds never drift from
/// the examples), and parsing for the ones a target writes inline.
public enum Seeds {
    /// The project root: this file is fuzz/Sources/FuzzSupport/Seeds.swift.
    static let root: String = {
        var path = Array(#filePath.utf8)
        for _ in 0..<4 {
            guard let slash = path.lastIndex(of: 0x2F) else { break }
            path.removeSubrange(slash...)
        }
        return String(decoding: path, as: UTF8.self)
    }()

    /// The text of `examples/<relative>`; a missing file stops the fuzzer at once.
    public static func example(_ relative: String) -> String {
        let path = root + "/examples/" + relative
        guard let file = fopen(path, "rb") else { fatalError("fuzz seed \(path) cannot be read") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n <= 0 { break }
            bytes += buffer[..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `text` parsed; a seed that is not JSON stops the fuzzer at once.
    public static func parse(_ text: String) -> JSON {
        do throws(JSONParseError) {
            return try JSONParser.parse(text)
        } catch {
            fatalError("fuzz seed does not parse (\(error)): \(text.prefix(200))")
        }
    }

    /// `ENGAGE_FUZZ_PRINT=1` prints every document a target builds to stderr: how to see
    /// what a structured finding stands for (`ENGAGE_FUZZ_PRINT=1 .build-fuzz/debug/T crash-…`).
    static let printing = getenv("ENGAGE_FUZZ_PRINT") != nil

    static func show(_ docs: [[UInt8]]) {
        guard printing else { return }
        for (i, d) in docs.enumerated() { say(Array("document \(i) (\(d.count) bytes): ".utf8) + d) }
    }

    /// With `ENGAGE_FUZZ_PRINT`, a line on stderr: what a step returned.
    public static func note(_ text: @autoclosure () -> String) {
        guard printing else { return }
        say(Array(text().utf8.prefix(400)))
    }

    private static func say(_ bytes: [UInt8]) {
        let line = bytes + [0x0A]
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}
