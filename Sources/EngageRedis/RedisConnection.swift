import CHiredis
import Engage

// One hiredis connection: connect with a timeout, send a command as binary-safe
// arguments, copy the reply into a Swift value. The only file that calls hiredis.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A Redis reply, copied out of hiredis's reply object (which is freed at once).
///
/// Only one level of nesting is kept: the commands the store sends answer scalars or an
/// array of scalars, so a nested array (or anything hiredis may add) is ``unexpected``.
enum RedisValue: Equatable {
    case string([UInt8])
    case status(String)
    case integer(Int64)
    case null
    /// An error reply (`NOSCRIPT ...`, `WRONGTYPE ...`): the connection is still in step.
    case error(String)
    case array([RedisValue])
    /// A reply of a type or size this store never asks for: what it was.
    case unexpected(String)

    /// The error reply's first word (`NOSCRIPT`, `WRONGTYPE`), or nil.
    var errorCode: Substring? {
        guard case .error(let text) = self else { return nil }
        return text.split(separator: " ", maxSplits: 1).first
    }
}

/// Why a call failed, before it becomes a ``StateStoreError``.
struct RedisFailure: Error {
    /// True when the connection can no longer be trusted (I/O error, timeout, protocol
    /// error, a reply of an unexpected type): it is freed, never reused.
    var broken: Bool
    var code: StateStoreError.Code
    var message: String
}

/// One connection to the server. Not thread-safe (a `redisContext` is not): it belongs to
/// one caller at a time, handed over by ``RedisPool`` under its lock; that hand-over is
/// what makes the `@unchecked Sendable` sound.
final class RedisConnection: @unchecked Sendable {
    private let context: UnsafeMutablePointer<redisContext>
    /// Commands' replies are bounded: larger arrays are ``RedisValue/unexpected``. The
    /// largest a command of the store gets is a page of the erasure stream (3 + 1,000).
    static let maxArrayElements = 1_024

    /// Connects to `address` within `timeoutMS`, then bounds every call by it, and sends
    /// `AUTH` and `SELECT` when the settings ask.
    init(_ settings: EngineConfig.Redis) throws(RedisFailure) {
        let tv = engage_redis_timeval(settings.timeoutMS)
        let c: UnsafeMutablePointer<redisContext>?
        switch settings.address {
        case .tcp(let host, let port): c = redisConnectWithTimeout(host, Int32(port), tv)
        case .unix(let path): c = redisConnectUnixWithTimeout(path, tv)
        }
        guard let c else { throw RedisFailure(broken: true, code: .unavailable, message: "connect: out of memory") }
        if engage_redis_error(c) != 0 {
            let why = Self.errorText(c, timeoutMS: settings.timeoutMS)
            redisFree(c)
            throw RedisFailure(broken: true, code: .unavailable, message: "connect: \(why)")
        }
        context = c
        guard redisSetTimeout(c, tv) == REDIS_OK else {
            throw RedisFailure(
                broken: true, code: .unavailable, message: "connect: cannot set the timeout: \(Self.errorText(c, timeoutMS: settings.timeoutMS))")
        }
        if let password = settings.password {
            try expectOK(call([Array("AUTH".utf8), Array(password.utf8)], timeoutMS: settings.timeoutMS), "AUTH")
        }
        if settings.database != 0 {
            try expectOK(call([Array("SELECT".utf8), Array(String(settings.database).utf8)], timeoutMS: settings.timeoutMS), "SELECT \(settings.database)")
        }
    }

    deinit { redisFree(context) }

    private func expectOK(_ reply: RedisValue, _ command: String) throws(RedisFailure) {
        switch reply {
        case .status("OK"): return
        // AUTH's answer never holds the password; the text says what the server refused.
        case .error(let text): throw RedisFailure(broken: true, code: .unavailable, message: "\(command): \(text)")
        default: throw RedisFailure(broken: true, code: .unavailable, message: "\(command): unexpected reply \(reply)")
        }
    }

    /// True when the idle connection shows nothing to read: a peer that closed it (a
    /// restarted server), or bytes nobody asked for, make it unfit for reuse.
    var looksIdle: Bool {
        var fd = pollfd(fd: engage_redis_fd(context), events: Int16(POLLIN), revents: 0)
        return poll(&fd, 1, 0) == 0
    }

    /// Sends one command (each argument as bytes, with its length: binary-safe) and waits
    /// for its reply within the timeout.
    ///
    /// - Throws: ``RedisFailure`` with `broken` set on an I/O error, a timeout, a
    ///   protocol error or a reply that is neither an error reply nor one `expected`
    ///   accepts; error replies are returned as ``RedisValue/error(_:)``.
    func call(
        _ arguments: [[UInt8]], timeoutMS: Int,
        accepting expected: (RedisValue) -> Bool = { _ in true }
    ) throws(RedisFailure) -> RedisValue {
        // One buffer for every argument (plus a byte, so it is never empty and its base
        // pointer never nil), and pointers into it.
        var buffer: [UInt8] = []
        buffer.reserveCapacity(arguments.reduce(1) { $0 + $1.count })
        var offsets: [Int] = []
        var lengths: [Int] = []
        for a in arguments {
            offsets.append(buffer.count)
            lengths.append(a.count)
            buffer.append(contentsOf: a)
        }
        buffer.append(0)
        let raw: UnsafeMutableRawPointer? = buffer.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                guard let base = chars.baseAddress else { return nil }
                let argv: [UnsafePointer<CChar>?] = offsets.map { base + $0 }
                return argv.withUnsafeBufferPointer { v in
                    lengths.withUnsafeBufferPointer { n in
                        redisCommandArgv(
                            context, Int32(arguments.count), UnsafeMutablePointer(mutating: v.baseAddress),
                            n.baseAddress)
                    }
                }
            }
        }
        guard let raw else {
            throw RedisFailure(broken: true, code: .unavailable, message: Self.errorText(context, timeoutMS: timeoutMS))
        }
        defer { freeReplyObject(raw) }
        let value = Self.value(UnsafePointer(raw.assumingMemoryBound(to: redisReply.self)), nested: false)
        if case .unexpected(let what) = value {
            throw RedisFailure(broken: true, code: .io, message: "unexpected reply: \(what)")
        }
        if case .error = value { return value }
        guard expected(value) else {
            throw RedisFailure(broken: true, code: .io, message: "unexpected reply: \(value.shown)")
        }
        return value
    }

    /// The reply as a Swift value; arrays only at the top level.
    private static func value(_ r: UnsafePointer<redisReply>, nested: Bool) -> RedisValue {
        let reply = r.pointee
        switch reply.type {
        case REDIS_REPLY_STRING, REDIS_REPLY_STATUS, REDIS_REPLY_ERROR:
            guard let n = Int(exactly: reply.len), n >= 0 else { return .unexpected("a string of \(reply.len) bytes") }
            var bytes: [UInt8] = []
            if n > 0 {
                guard let s = reply.str else { return .unexpected("a string without bytes") }
                bytes = Array(UnsafeRawBufferPointer(start: UnsafeRawPointer(s), count: n))
            }
            switch reply.type {
            case REDIS_REPLY_STRING: return .string(bytes)
            case REDIS_REPLY_STATUS: return .status(String(decoding: bytes, as: UTF8.self))
            default: return .error(String(decoding: bytes.prefix(512), as: UTF8.self))
            }
        case REDIS_REPLY_INTEGER: return .integer(reply.integer)
        case REDIS_REPLY_NIL: return .null
        case REDIS_REPLY_ARRAY:
            guard !nested else { return .unexpected("a nested array") }
            guard let n = Int(exactly: reply.elements), n <= maxArrayElements else {
                return .unexpected("an array of \(reply.elements) elements")
            }
            var items: [RedisValue] = []
            for i in 0..<n {
                guard let e = engage_redis_element(r, i) else { return .unexpected("an array with a missing element") }
                let item = value(e, nested: true)
                if case .unexpected = item { return item }
                items.append(item)
            }
            return .array(items)
        default:
            return .unexpected("reply type \(reply.type)")
        }
    }

    /// The context's error, in words; a timeout says so with its bound.
    private static func errorText(_ c: UnsafeMutablePointer<redisContext>, timeoutMS: Int) -> String {
        let text = String(cString: engage_redis_error_text(c))
        switch engage_redis_error(c) {
        case REDIS_ERR_IO where text.contains("temporarily unavailable") || text.contains("timed out"):
            return "no answer within \(timeoutMS) ms (\(text))"
        case REDIS_ERR_EOF: return "the server closed the connection"
        case REDIS_ERR_PROTOCOL: return "protocol error: \(text)"
        default: return text.isEmpty ? "error \(engage_redis_error(c))" : text
        }
    }
}
