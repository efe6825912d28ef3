-- The harness and helpers of bindings/lua/test.lua and test_runtime.lua: T.test() runs
-- one test and counts it, T.check() and T.eq() fail it, T.ok() and T.fails() take a
-- call's three results apart; T.summary() prints "N passed, N failed" and exits.

local json = require "test_json"

local T = {}

T.NOW = 1795150000000 -- a Tuesday, 2026-11-17 around 12:46 in Asia/Seoul

local engage -- set by T.init
local NOW = T.NOW

function T.init(module)
    engage = module
end

local passed, failed = 0, 0
local only = os.getenv("ENGAGE_LUA_ONLY") -- run the tests whose name contains this

function T.test(name, fn)
    if only and not name:find(only, 1, true) then return end
    local t0 = os.clock()
    local ok, err = xpcall(fn, debug.traceback)
    if ok then
        passed = passed + 1
        print(("ok    %-58s %.2fs"):format(name, os.clock() - t0))
    else
        failed = failed + 1
        print(("FAIL  %s\n%s"):format(name, err))
    end
end

function T.check(cond, ...)
    if not cond then
        local parts = { ... }
        for i = 1, select("#", ...) do parts[i] = tostring(parts[i]) end
        error("check failed: " .. table.concat(parts, " "), 2)
    end
    return cond
end

function T.eq(got, want, what)
    if not json.equal(got, want) then
        local show = function(v) return type(v) == "table" and json.encode(v) or tostring(v) end
        error(("%s: got %s, want %s"):format(what or "eq", show(got), show(want)), 2)
    end
end

function T.read(path)
    local f = assert(io.open(path, "rb"))
    local s = f:read("*a")
    f:close()
    return s
end

function T.sh(cmd) -- runs a shell command; returns its output (stderr too) and exit code
    local p = io.popen(cmd .. " 2>&1; echo \"rc=$?\"")
    local out = p:read("*a")
    p:close()
    local rc = tonumber(out:match("rc=(%d+)%s*$"))
    return out:gsub("rc=%d+%s*$", ""), rc
end

function T.q(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

function T.tmpdir()
    local out = T.sh("mktemp -d")
    return (out:gsub("%s+$", ""))
end

-- An OK result: the decoded text. A failure fails the test with the error.
function T.ok(text, err, status)
    if text == nil then
        error(("expected success, got status %s: %s"):format(tostring(status), tostring(err)), 2)
    end
    return json.decode(text)
end

-- A failure with `want` status: the decoded error object.
function T.fails(want, text, err, status)
    if text ~= nil then error("expected status " .. want .. ", got a result: " .. text, 2) end
    if status ~= want then
        error(("expected status %d, got %s: %s"):format(want, tostring(status), tostring(err)), 2)
    end
    T.check(type(err) == "string", "err is not a string")
    return json.decode(err)
end

function T.capped_set(cap, campaign)
    return json.encode({
        version = 1,
        campaigns = { {
            id = campaign or "welcome", purpose = "service", status = "active",
            placements = { "home" },
            caps = { { count = cap or 1, window = "1d" } },
            channels = { in_app = { payload = { title = 'Hello {{user.name | default: "you"}}' } } },
        } },
    })
end

function T.home_request(uid, extra)
    local r = { user_id = uid or "u1", placement = "home", app = { foreground = true }, now = NOW }
    for k, v in pairs(extra or {}) do r[k] = v end
    return json.encode(r)
end

function T.campaigns_of(d)
    local out = {}
    for i, m in ipairs(d.messages) do out[i] = m.campaign end
    return out
end

function T.new_engine(set, config)
    local eng = assert(engage.open(config))
    if set then T.ok(eng:load(set)) end
    return eng
end


function T.summary()
    print(("%d passed, %d failed"):format(passed, failed))
    os.exit(failed == 0 and 0 or 1)
end

return T
