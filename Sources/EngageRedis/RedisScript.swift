/// The server-side scripts of the Redis store.
enum RedisScript {
    /// SHA-1 of ``compareAndSwap``'s text: what `EVALSHA` names it by, known without
    /// asking the server (`SCRIPT LOAD` answers the same; a test checks it), so no call
    /// waits on a lock or a round trip to learn it.
    static let compareAndSwapDigest = Array("26ff86d5a265a6084d9338b6dd02e7f724c34ac0".utf8)

    /// The compare-and-swap of one user's value, atomic on the server.
    ///
    /// `KEYS[1]`: the user's key. `ARGV`: the version expected (`0`: nothing stored), the
    /// new version, the state bytes, the expiry in ms since the epoch (empty: none).
    /// Answers 1 when written, 0 when the version differs (another write came first, or
    /// an erasure: a stale write fails), an error for a key that is not this store's.
    /// Versions are compared as strings: Lua numbers are doubles, 64-bit versions are not.
    static let compareAndSwap = """
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
        """
}
