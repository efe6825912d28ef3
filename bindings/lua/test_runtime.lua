-- Runtime tests of bindings/lua/engage.lua, run by test.lua: 1,000,000 decide+free calls
-- with flat resident memory, and the request path compiled by the JIT (jit.v) with no
-- trace abort in engage.lua.

local ffi = require "ffi"

return function(T, engage)

local test, check, eq, read, sh, q, tmpdir = T.test, T.check, T.eq, T.read, T.sh, T.q, T.tmpdir
local ok, capped_set, new_engine = T.ok, T.capped_set, T.new_engine

local PAGE = tonumber((sh("getconf PAGESIZE"))) or 4096

local function rss_bytes()
    local f = assert(io.open("/proc/self/statm"))
    local pages = tonumber(f:read("*a"):match("^%d+%s+(%d+)"))
    f:close()
    return pages * PAGE
end

test("memory: 1,000,000 decide+free calls, resident memory flat", function()
    local n = tonumber(os.getenv("ENGAGE_LUA_CALLS") or "1000000")
    local eng = new_engine(capped_set(1))
    -- Committed, for a user whose cap of 1 is used up: nothing is queued or added to
    -- the user's state, so only a leak could make memory grow. Every fourth call fails
    -- (its error text is a library buffer too).
    local req = '{"user_id":"m","placement":"home","app":{"foreground":true}}'
    local bad = '{"user_id":"m","placement":"home","channels":["fax"]}'
    eq(#ok(eng:decide(req)).messages, 1)
    local function burst(count)
        local okn = 0
        for i = 1, count do
            local s
            if i % 4 == 0 then
                s = eng:decide(bad)
                if s == nil then okn = okn + 1 end
            else
                s = eng:decide(req)
                if s ~= nil then okn = okn + 1 end
            end
        end
        return okn
    end
    burst(50000)
    collectgarbage()
    local before = rss_bytes()
    local t0 = os.time()
    local c0 = os.clock()
    local good = burst(n)
    local cpu = os.clock() - c0
    local wall = os.time() - t0
    collectgarbage()
    local after = rss_bytes()
    eq(good, n, "calls with the expected outcome")
    eq(#ok(eng:drain()), 1, "exposures")
    local growth = (after - before) / 2 ^ 20
    print(("      %d calls: rss %.1f MB -> %.1f MB (growth %.2f MB), %.1f s cpu, ~%d s wall, %.1f us/call")
          :format(n, before / 2 ^ 20, after / 2 ^ 20, growth, cpu, wall, cpu / n * 1e6))
    check(growth < 20, "resident memory grew by", growth, "MB")
    check(wall < 60, "took", wall, "s")
    eng:close()
end)

test("memory: the check detects a leak (results not freed)", function()
    local eng = new_engine(capped_set())
    local out, len = ffi.new("char *[1]"), ffi.new("size_t[1]")
    collectgarbage()
    local before = rss_bytes()
    for _ = 1, 30000 do
        assert(engage._lib.engage_stats(eng._h, out, len) == 0) -- deliberately not freed
    end
    local after = rss_bytes()
    check(after - before > 5 * 2 ^ 20, "leak not visible:", before, after)
    eng:close()
end)

-- Runs fn with jit.v writing to a file (from a clean slate: traces flushed, hot counters
-- reset); returns the log, the number of traces, and the lines of traces that aborted
-- or fell back to the interpreter in engage.lua.
local function under_jit_v(fn)
    local v = require "jit.v"
    local dir = tmpdir()
    local log = dir .. "/jit.log"
    jit.flush()
    jit.opt.start("hotloop=56") -- also resets the hot counters
    v.start(log)
    local ok, err = pcall(fn)
    v.off()
    local text = read(log)
    sh("rm -rf " .. q(dir))
    if not ok then error(err, 0) end
    local traces, bad_lines = 0, {}
    for line in text:gmatch("[^\n]+") do
        if line:find("^%[TRACE%s+%d+ ") then traces = traces + 1 end
        if (line:find("^%[TRACE %-%-%-") or line:find("fallback to interpreter", 1, true))
           and line:find("engage.lua", 1, true) then
            bad_lines[#bad_lines + 1] = line
        end
    end
    if #bad_lines > 0 or os.getenv("ENGAGE_LUA_JITLOG") then print(text) end
    return text, traces, bad_lines
end

local function jit_fixture()
    check(jit and jit.status(), "the JIT is off")
    local eng = new_engine(capped_set(1))
    local ctx = assert(eng:context('{"user_id":"j","app":{"foreground":true}}'))
    return eng, ctx, '{"user_id":"j","placement":"home","app":{"foreground":true}}',
           '{"user_id":"j","placement":"home","channels":["fax"]}', ffi.new("char[4096]")
end

test("jit: a loop over each call compiles, no trace aborts in engage.lua", function()
    local eng, ctx, req, bad, buf = jit_fixture()
    local question = '{"placement":"home"}'
    -- One loop per call, each calling the binding once per iteration: the loop gets hot
    -- before any function of engage.lua does, and its trace inlines the whole call.
    local loops = {
        function(n) local g = 0 for _ = 1, n do if eng:decide(req) then g = g + 1 end end return g end,
        function(n)
            local g = 0
            for _ = 1, n do
                local s, err, status = eng:decide(bad)
                if s == nil and err and status == 4 then g = g + 1 end
            end
            return g
        end,
        function(n) local g = 0 for _ = 1, n do if ctx:decide(question) then g = g + 1 end end return g end,
        function(n) local g = 0 for _ = 1, n do if eng:decide_into(req, buf, 4096) then g = g + 1 end end return g end,
        function(n) local g = 0 for _ = 1, n do if eng:stats() then g = g + 1 end end return g end,
    }
    local compiled = 0
    for i, loop in ipairs(loops) do
        local text, _, bad_lines = under_jit_v(function() eq(loop(2000), 2000, "loop " .. i) end)
        eq(bad_lines, {}, "trace aborts in engage.lua, loop " .. i)
        check(text:find("%[TRACE%s+%d+ test_runtime%.lua:%d+ loop%]"), "loop " .. i .. " not compiled:\n" .. text)
        compiled = compiled + 1
    end
    ctx:close()
    eng:close()
    print(("      %d loops compiled, 0 aborts in engage.lua"):format(compiled))
end)

test("jit: a mixed handler, a coroutine per request as in ngx_lua, no aborts", function()
    local eng, ctx, req, bad, buf = jit_fixture()
    local function handler() -- what one request might do: every call, successes and failures
        local a = eng:decide(req)
        local b, err, status = eng:decide(bad)
        local c = ctx:decide('{"placement":"home"}')
        local d = eng:decide_into(req, buf, 4096)
        local e = eng:stats()
        return a ~= nil and b == nil and err ~= nil and status == 4 and c ~= nil and d ~= nil and e ~= nil
    end
    local text, traces, bad_lines = under_jit_v(function()
        for i = 1, 3000 do
            local co = coroutine.create(handler)
            local ok, good = coroutine.resume(co)
            check(ok and good, "request", i, good)
        end
    end)
    ctx:close()
    eng:close()
    eq(bad_lines, {}, "trace aborts in engage.lua")
    -- The handler's own trace inlines every call; which functions of engage.lua get
    -- traces of their own before it forms varies from run to run.
    check(text:find("%[TRACE%s+%d+ test_runtime%.lua:%d+ return%]"), "the handler was not compiled:\n" .. text)
    local in_binding = select(2, text:gsub("%[TRACE%s+%d+ [^\n]-engage%.lua:%d+ return%]", ""))
    print(("      handler compiled; %d traces, %d starting in engage.lua, 0 aborts"):format(traces, in_binding))
end)

end
