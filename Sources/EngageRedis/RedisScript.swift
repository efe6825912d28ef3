/// A server-side script of the Redis store: its text and the SHA-1 `EVALSHA` names it
/// by — a constant, known without asking the server (`SCRIPT LOAD` answers the same; a
/// test checks each), so no call waits on a lock or a round trip to learn it.
struct RedisScript: Sendable {
    let source: String
    let digest: [UInt8]

    init(_ digest: String, _ source: String) {
        self.digest = Array(digest.utf8)
        self.source = source
    }

    /// Every script, for the test that checks the digests.
    static let all = [compareAndSwap, announceErasure, erasuresAfter]

    /// The compare-and-swap of one user's value, atomic on the server.
    ///
    /// `KEYS[1]`: the user's key. `ARGV`: the version expected (`0`: nothing stored), the
    /// new version, the state bytes, the expiry in ms since the epoch (empty: none).
    /// Answers 1 when written, 0 when the version differs (another write came first, or
    /// an erasure: a stale write fails), an error for a key that is not this store's.
    /// Versions are compared as strings: Lua numbers are doubles, 64-bit versions are not.
    static let compareAndSwap = RedisScript(
        "26ff86d5a265a6084d9338b6dd02e7f724c34ac0",
        """
        -- libengage: compare-and-swap of one user's state (EngageRedis, docs/state.md)
        local v = redis.call('HGET', KEYS[1], 'v')
        if v == false then
          if ARGV[1] ~= '0' then return 0 end
          if redis.call('EXISTS', KEYS[1]) == 1 then
            return redis.error_reply('ENGAGE damaged value: a hash without its version field')
          end
        elseif v ~= ARGV[1] then
          return 0
        end
        redis.call('HSET', KEYS[1], 'v', ARGV[2], 's', ARGV[3])
        if ARGV[4] == '' then
          redis.call('PERSIST', KEYS[1])
        else
          redis.call('PEXPIREAT', KEYS[1], ARGV[4])
        end
        return 1
        """)

    /// Tells every engine sharing the store that a user was erased: one entry on the
    /// erasure stream, `u` the user id and `n` one more than the previous entry's `n`
    /// (the first is 1), so a reader sees a gap when entries were trimmed before it read
    /// them or the stream was lost. `KEYS[1]`: the stream. `ARGV`: the user id, the
    /// entries kept (`MAXLEN ~`). Answers the entry's id.
    static let announceErasure = RedisScript(
        "cf8296e6ecffb0bade36b304c91139865f22e6e4",
        """
        -- libengage: announce one erasure to every engine sharing the store (EngageRedis, docs/state.md)
        local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
        local n = 1
        if #last == 1 then
          local f = last[1][2]
          for i = 1, #f, 2 do
            if f[i] == 'n' then n = (tonumber(f[i + 1]) or 0) + 1 end
          end
        end
        return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'u', ARGV[1], 'n', string.format('%d', n))
        """)

    /// The erasures announced after an entry, flat: `{last id, its n, gap, user, ...}`.
    ///
    /// `KEYS[1]`: the stream. `ARGV`: the id of the last entry read and its `n`, and how
    /// many entries to read at most (`XREAD COUNT`, never blocking). An empty id asks for
    /// the stream's tail instead (`0-0` and `0` for a stream with nothing on it), with no
    /// users. `gap` is `1` when an entry's `n` does not follow the one before (entries
    /// were trimmed before they were read, the stream was deleted) or an entry is not
    /// this store's, else `0`.
    static let erasuresAfter = RedisScript(
        "4bccf505d5e4c08d5ef7a26c1fc2839fcac96ecf",
        """
        -- libengage: the erasures announced after an entry (EngageRedis, docs/state.md)
        local function field(entry, name)
          local f = entry[2]
          for i = 1, #f, 2 do
            if f[i] == name then return f[i + 1] end
          end
          return false
        end
        if ARGV[1] == '' then
          local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
          if #last == 0 then return {'0-0', '0', '0'} end
          return {last[1][1], field(last[1], 'n') or '0', '0'}
        end
        local out = {ARGV[1], ARGV[2], '0'}
        local read = redis.call('XREAD', 'COUNT', ARGV[3], 'STREAMS', KEYS[1], ARGV[1])
        if not read then return out end
        local expected = tonumber(ARGV[2]) or 0
        for _, entry in ipairs(read[1][2]) do
          local u = field(entry, 'u')
          local n = tonumber(field(entry, 'n') or '')
          if u == false or n == nil or n ~= expected + 1 then out[3] = '1' end
          expected = n or (expected + 1)
          out[1] = entry[1]
          out[2] = string.format('%d', expected)
          if u then out[#out + 1] = u end
        end
        return out
        """)
}
