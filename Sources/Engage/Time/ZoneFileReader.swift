// The only file in Engage that touches the C library: reading one zoneinfo file.
//
// The core has no Foundation; the standard library has no file API, so this uses POSIX
// open/fstat/read/close directly. It refuses anything but a regular file (O_NONBLOCK keeps
// a FIFO planted in the tree from blocking the open) and never reads more than the limit.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

enum ZoneFileReader {
    enum Failure: Error, Equatable {
        case notFound
        case unreadable(String)
        case tooLarge
    }

    /// The bytes of the regular file at `path`, at most `maxBytes` of them.
    static func contents(atPath path: String, maxBytes: Int) -> Result<[UInt8], Failure> {
        #if canImport(Glibc) || canImport(Musl) || canImport(Darwin)
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            let e = errno
            return .failure(e == ENOENT || e == ENOTDIR ? .notFound : .unreadable("open failed (errno \(e))"))
        }
        defer { _ = close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .failure(.unreadable("fstat failed (errno \(errno))")) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { return .failure(.unreadable("not a regular file")) }
        guard info.st_size <= maxBytes else { return .failure(.tooLarge) }
        let capacity = max(0, maxBytes) + 1
        var failure: Failure?
        let bytes = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            count = 0
            guard let base = buffer.baseAddress else { return }
            while count < capacity {
                let n = read(fd, base + count, capacity - count)
                if n > 0 {
                    count += n
                } else if n == 0 {
                    return
                } else if errno != EINTR {
                    failure = .unreadable("read failed (errno \(errno))")
                    return
                }
            }
        }
        if let failure { return .failure(failure) }
        // The file grew between fstat and read: still bounded, still refused.
        guard bytes.count <= maxBytes else { return .failure(.tooLarge) }
        return .success(bytes)
        #else
        return .failure(.unreadable("no file access on this platform"))
        #endif
    }
}
