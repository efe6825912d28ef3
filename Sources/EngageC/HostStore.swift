import Engage

// engage_engine_open_with_store: user state kept by the host, through three callbacks
// (include/engage.h, `engage_store`). The engine does the rest — encoding, caps,
// retries — in VersionedStateStore; this file only calls the host.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Callback results besides ENGAGE_OK (include/engage.h).
let ENGAGE_STORE_CONFLICT: Int32 = 10

typealias LoadCallback =
    @convention(c) (
        UnsafeMutableRawPointer?, UnsafePointer<CChar>?, Int,
        UnsafeMutablePointer<CChar>?, Int, UnsafeMutablePointer<Int>?,
        UnsafeMutablePointer<UInt64>?
    ) -> Int32
typealias SaveCallback =
    @convention(c) (
        UnsafeMutableRawPointer?, UnsafePointer<CChar>?, Int,
        UnsafePointer<CChar>?, Int, UInt64
    ) -> Int32
typealias EraseCallback = @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?, Int) -> Int32

/// What is wrong with a host's `engage_store`.
struct StoreProblem: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// The host's `engage_store`, copied at open. Sendable because the header makes the
/// host promise its callbacks may be called from any thread at once.
struct HostStorage: VersionedStorage, @unchecked Sendable {
    /// `engage_store`'s layout on LP64: uint32_t size (padded to 8), then four pointers.
    static let layoutSize = 40

    let host: UnsafeMutableRawPointer?
    let load: LoadCallback
    let save: SaveCallback
    let erase: EraseCallback

    /// Reads an `engage_store`, or says what is wrong with it.
    static func read(_ p: UnsafeRawPointer) -> Result<HostStorage, StoreProblem> {
        let size = p.load(as: UInt32.self)
        guard size >= layoutSize else {
            return .failure(StoreProblem("store->size is \(size), expected sizeof(engage_store) (\(layoutSize)) — is the header the library's?"))
        }
        guard let load = p.load(fromByteOffset: 16, as: LoadCallback?.self) else { return .failure(StoreProblem("store->load is NULL")) }
        guard let save = p.load(fromByteOffset: 24, as: SaveCallback?.self) else { return .failure(StoreProblem("store->save is NULL")) }
        guard let erase = p.load(fromByteOffset: 32, as: EraseCallback?.self) else { return .failure(StoreProblem("store->erase is NULL")) }
        return .success(
            HostStorage(
                host: p.load(fromByteOffset: 8, as: UnsafeMutableRawPointer?.self),
                load: load, save: save, erase: erase))
    }

    private func failure(_ call: String, _ status: Int32) -> StateStoreError {
        StateStoreError(.unavailable, "the host's store->\(call) returned \(status)")
    }

    func read(userID: String) throws(StateStoreError) -> (bytes: [UInt8], version: UInt64)? {
        var capacity = 4096
        // At most twice: the first answer gives the size when the buffer was too small.
        for _ in 0..<2 {
            var length = 0
            var version: UInt64 = 0
            // Zeroed (≈ 0.1 µs for 4 KB): a host that reports more bytes than it wrote
            // must not hand the engine leftover heap contents.
            var buffer = [UInt8](repeating: 0, count: capacity)
            let status = buffer.withUnsafeMutableBufferPointer { b in
                userID.withCString { id in
                    load(
                        host, id, userID.utf8.count, UnsafeMutableRawPointer(b.baseAddress)?.assumingMemoryBound(to: CChar.self),
                        b.count, &length, &version)
                }
            }
            guard status == ENGAGE_OK else { throw failure("load", status) }
            if length == 0 { return version == 0 ? nil : ([], version) }
            guard length > 0, length <= UserState.maxEncodedBytes else {
                throw StateStoreError(.io, "the host's store->load gave a length of \(length) (at most \(UserState.maxEncodedBytes))")
            }
            if length <= capacity {
                buffer.removeLast(capacity - length)
                return (buffer, version)
            }
            capacity = length
        }
        throw StateStoreError(.io, "the host's store->load asked for a larger buffer twice")
    }

    func write(userID: String, _ bytes: [UInt8], expected: UInt64) throws(StateStoreError) -> Bool {
        let status = bytes.withUnsafeBufferPointer { b in
            userID.withCString { id in
                save(
                    host, id, userID.utf8.count, UnsafeRawPointer(b.baseAddress)?.assumingMemoryBound(to: CChar.self),
                    b.count, expected)
            }
        }
        switch status {
        case ENGAGE_OK: return true
        case ENGAGE_STORE_CONFLICT: return false
        default: throw failure("save", status)
        }
    }

    func erase(userID: String) throws(StateStoreError) {
        let status = userID.withCString { id in erase(host, id, userID.utf8.count) }
        guard status == ENGAGE_OK else { throw failure("erase", status) }
    }
}

@_cdecl("engage_engine_open_with_store")
public func engage_engine_open_with_store(
    _ config: UnsafePointer<CChar>?, _ configLen: Int,
    _ store: UnsafeRawPointer?,
    _ engineOut: UnsafeMutablePointer<OpaquePointer?>?,
    _ out: OutText, _ outLen: OutLen
) -> Int32 {
    guard let store else {
        out?.pointee = nil
        engineOut?.pointee = nil
        return fail(ENGAGE_MISUSE, code: "misuse", path: "store", "store must not be NULL", out, outLen)
    }
    return openEngine(config, configLen, hostStore: store, engineOut, out, outLen)
}
