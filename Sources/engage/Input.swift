// What the CLI reads and writes: files (an error says the path and the OS's reason),
// standard input for `-`, and JSON arguments given as text, `-` or `@file`.
import ArgumentParser
import Engage
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Exit statuses (docs/cli.md): 0 success; 1 the input was rejected (bad JSON, a rule
/// error, a config member that cannot be used); 2 a file cannot be read or written;
/// 64 (EX_USAGE) the command line is wrong — swift-argument-parser's code for a
/// ValidationError, an unknown option or a missing argument.
enum Exit {
    static func fail(_ message: String, status: Int32 = 1) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(status)
    }
}

/// The OS's reason for the last failed call (`No such file or directory`).
func osReason(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
}

/// The bytes of the file at `path`, or of standard input for `-`; exits with status 2
/// and `engage: cannot read WHAT file PATH: REASON` when it cannot be read.
func readBytes(_ path: String, what: String) -> [UInt8] {
    if path == "-" { return [UInt8](FileHandle.standardInput.readDataToEndOfFile()) }
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { Exit.fail("engage: cannot read \(what) file \(path): \(osReason())", status: 2) }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n == 0 { return bytes }
        if n < 0 {
            if errno == EINTR { continue }
            // A folder opens but does not read (EISDIR): said here, with the path.
            Exit.fail("engage: cannot read \(what) file \(path): \(osReason())", status: 2)
        }
        bytes.append(contentsOf: chunk[0..<n])
    }
}

/// The JSON document in the file at `path` (`-`: standard input).
func readFile(_ path: String, what: String) -> JSON {
    do {
        return try JSONParser.parse(readBytes(path, what: what))
    } catch {
        Exit.fail("Invalid JSON: \(path): \(error)")
    }
}

/// `text` written to the file at `path` (created or truncated), or to stdout for `-`;
/// exits with status 2, the path and the OS's reason when it cannot be.
func writeText(_ text: String, to path: String) {
    let output = OutputFile(path == "-" ? nil : path)
    output.append(Array(text.utf8))
    output.finish()
}

/// A file being written (or standard output): every failure — opening, a short write
/// (a full disk), closing — exits with status 2, the path and the OS's reason.
struct OutputFile {
    let fd: Int32
    /// The path, or `stdout`, for messages.
    let name: String

    /// The file at `path`, created or truncated (mode 0644 less the umask); standard
    /// output when nil.
    init(_ path: String?) {
        guard let path else {
            fd = STDOUT_FILENO
            name = "stdout"
            return
        }
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        name = path
        guard fd >= 0 else { Exit.fail("engage: cannot write \(path): \(osReason())", status: 2) }
    }

    func append(_ bytes: [UInt8]) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress.map { $0 + done }, $0.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                Exit.fail("engage: cannot write \(name): \(osReason())", status: 2)
            }
            done += n
        }
    }

    /// Closes the file (not standard output); a file system may report a failed write
    /// only here.
    func finish() {
        guard fd != STDOUT_FILENO else { return }
        if close(fd) != 0 { Exit.fail("engage: cannot write \(name): \(osReason())", status: 2) }
    }
}

/// A JSON argument (RULE, DATA, REQUEST, QUESTION) as given on the command line: JSON
/// text, `-` for standard input, or `@FILE` for a file's contents.
struct JSONArgument: ExpressibleByArgument, Sendable {
    enum Source: Sendable, Equatable {
        case text(String)
        case standardInput
        case file(String)
    }

    let source: Source

    init?(argument: String) {
        if argument == "-" {
            source = .standardInput
        } else if argument.hasPrefix("@") {
            let path = String(argument.dropFirst())
            guard !path.isEmpty else { return nil }
            source = .file(path)
        } else {
            source = .text(argument)
        }
    }

    static var defaultCompletionKind: CompletionKind { .file() }

    var readsStandardInput: Bool { source == .standardInput }

    /// The argument's bytes: the text, standard input, or the file (exit 2 when it
    /// cannot be read).
    func bytes(name: String) -> [UInt8] {
        switch source {
        case .text(let text): return Array(text.utf8)
        case .standardInput: return readBytes("-", what: name)
        case .file(let path): return readBytes(path, what: name)
        }
    }

    /// Where a parse error points: `REQUEST` or `REQUEST (@req.json)`.
    func label(_ name: String) -> String {
        switch source {
        case .text: return name
        case .standardInput: return "\(name) (stdin)"
        case .file(let path): return "\(name) (@\(path))"
        }
    }

    /// When the text is not JSON but names a file: the hint that `@` reads a file.
    func fileHint() -> String {
        guard case .text(let text) = source, !text.isEmpty, access(text, F_OK) == 0 else { return "" }
        return "; \"\(text)\" is a file: write @\(text) to read it"
    }

    /// The argument parsed as JSON (within `limits`); a parse error exits with status 1
    /// and `Invalid JSON: NAME: …`.
    func json(name: String, limits: JSONLimits = .default) -> JSON {
        do {
            return try JSONParser.parse(bytes(name: name), limits: limits)
        } catch {
            Exit.fail("Invalid JSON: \(label(name)): \(error)\(fileHint())")
        }
    }
}

/// Standard input can be read once: more than one file option or JSON argument naming
/// `-` is a usage error (status 64), found before anything is read.
func checkOneStandardInput(files: [String?] = [], arguments: [JSONArgument?] = []) throws {
    let readers = files.filter { $0 == "-" }.count + arguments.filter { $0?.readsStandardInput == true }.count
    if readers > 1 { throw ValidationError("only one argument can be read from standard input (-)") }
}

/// An instant in milliseconds since the epoch from `--now MS`, within ``Instant/range``.
struct Milliseconds: ExpressibleByArgument, Sendable {
    let value: Int64

    init?(argument: String) {
        guard let ms = Int64(argument), Instant.range.contains(ms) else { return nil }
        value = ms
    }
}
