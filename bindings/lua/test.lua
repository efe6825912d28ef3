-- Tests for bindings/lua/engage.lua under luajit:
--
--     ENGAGE_LIB=/path/to/libengage.so luajit bindings/lua/test.lua
--
-- Prints one line per test and then "N passed, N failed"; exits 1 on any failure.
-- ENGAGE_REPO names the repository root (default: two folders up from this file);
-- ENGAGE_LUA_ONLY=word runs the tests whose name contains word; ENGAGE_LUA_CALLS sets
-- the memory test's count (default 1,000,000). This file: the cdef against the header,
-- loading, every status path, contexts, vectors, the README; test_runtime.lua: memory
-- and JIT traces; test_support.lua: the harness.

local HERE = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = HERE .. "/?.lua;" .. package.path
local REPO = os.getenv("ENGAGE_REPO") or (HERE .. "/../..")

local ffi = require "ffi"
local engage = require "engage"
local json = require "test_json"
local vectors = require "test_vectors"
local T = require "test_support"
T.init(engage)

local NOW = T.NOW
local test, check, eq, read, sh, q, tmpdir = T.test, T.check, T.eq, T.read, T.sh, T.q, T.tmpdir
local ok, fails, capped_set, home_request = T.ok, T.fails, T.capped_set, T.home_request
local campaigns_of, new_engine = T.campaigns_of, T.new_engine

--------------------------------------------------------- the cdef and the header

-- C declarations as comparable strings: split at ';' outside braces, whitespace
-- collapsed, and none kept around punctuation ("char **out" == "char** out").
local function statements(text)
    local out, depth, start = {}, 0, 1
    for i = 1, #text do
        local c = text:sub(i, i)
        if c == "{" then depth = depth + 1
        elseif c == "}" then depth = depth - 1
        elseif c == ";" and depth == 0 then
            local s = text:sub(start, i - 1):gsub("%s+", " ")
                          :gsub(" ?([%(%)%*,{};]) ?", "%1"):gsub("^ ", ""):gsub(" $", "")
            if s ~= "" then out[#out + 1] = s end
            start = i + 1
        end
    end
    return out
end

local function header_statements()
    local h = read(REPO .. "/include/engage.h")
    local macros = {}
    for name, value in h:gmatch("\n#define%s+ENGAGE_([%w_]+)%s+([^%s]+)") do
        macros[name] = value
    end
    h = h:gsub("/%*.-%*/", " ")             -- comments
         :gsub("\n#[^\n]*", "\n")           -- preprocessor lines
         :gsub('extern%s+"C"%s*{', " ")
    return statements(h), macros
end

test("cdef: every declaration is the header's, word for word", function()
    local header = header_statements()
    local in_header = {}
    for _, s in ipairs(header) do in_header[s] = true end
    local cdef = statements(engage._CDEF)
    check(#cdef >= 19, "cdef has", #cdef, "declarations")
    for _, s in ipairs(cdef) do
        check(in_header[s], "not in include/engage.h (or changed there):", s)
    end
    -- Every function of the header is bound, or left out on purpose.
    local bound = {}
    for _, s in ipairs(cdef) do
        local name = s:match("(engage_[%w_]+)%(")
        if name then bound[name] = true end
    end
    local left_out = { engage_engine_open_with_store = true } -- callbacks: not for LuaJIT
    local functions = 0
    for _, s in ipairs(header) do
        local name = s:match("^[^{]-(engage_[%w_]+)%(")
        if name then
            functions = functions + 1
            check(bound[name] or left_out[name], "header function not bound:", name)
            -- and the bound function is callable in this library
            if bound[name] then check(engage._lib[name] ~= nil, name) end
        end
    end
    check(functions == 19, "header functions:", functions)
end)

test("cdef: constants and versions match the header's macros", function()
    local _, macros = header_statements()
    local skipped = { VERSION = true, VERSION_NUMBER = true, STORE_CONFLICT = true }
    local n = 0
    for name, value in pairs(macros) do
        if not skipped[name] and not name:match("^H$") then
            eq(engage[name], tonumber(value), "engage." .. name)
            n = n + 1
        end
    end
    check(n >= 15, "numeric macros compared:", n)
    eq(engage.ABI_VERSION, tonumber(macros.ABI_VERSION), "ABI_VERSION")
    eq(engage._lib.engage_abi_version(), engage.ABI_VERSION, "engage_abi_version()")
    eq('"' .. engage.version() .. '"', macros.VERSION, "engage.version()")
    eq(engage.status_string(0), "ok")
    eq(engage.status_string(3), "invalid json")
    eq(engage.status_string(12345), "unknown status")
    local lib = os.getenv("ENGAGE_LIB")
    if lib then eq(engage.library_path(), lib, "library_path") end
end)

test("load: cdef once, a second require of the module works", function()
    package.loaded.engage = nil
    local again = require "engage"
    check(again ~= engage)
    local eng = assert(again.open())
    fails(again.NO_CAMPAIGNS, eng:decide(home_request()))
    eng:close()
    package.loaded.engage = engage
end)

local function luajit_with(env, code)
    return sh(("cd %s && env %s luajit -e %s"):format(q(HERE), env, q(code)))
end

test("load: a missing library is a clear error naming ENGAGE_LIB", function()
    local out, rc = luajit_with("ENGAGE_LIB=/nonexistent/libengage.so", 'require "engage"')
    check(rc ~= 0, "require succeeded")
    check(out:find("ENGAGE_LIB", 1, true) and out:find("/nonexistent/libengage.so", 1, true), out)
end)

test("load: a library of another ABI version is refused", function()
    if select(2, sh("command -v cc")) ~= 0 then print("      (skipped: no cc)") return end
    local dir = tmpdir()
    local src = dir .. "/fake.c"
    local f = assert(io.open(src, "w"))
    f:write("#include <stdint.h>\nint32_t engage_abi_version(void) { return 2; }\n")
    f:close()
    local _, rc = sh(("cc -shared -fPIC -o %s/libengage.so %s"):format(q(dir), q(src)))
    check(rc == 0, "cc failed")
    local out, rc2 = luajit_with("ENGAGE_LIB=" .. q(dir .. "/libengage.so"), 'require "engage"')
    check(rc2 ~= 0, "require succeeded")
    check(out:find("ABI version 2", 1, true) and out:find("ABI version 1", 1, true), out)
    -- A library without engage_abi_version at all.
    f = assert(io.open(src, "w"))
    f:write("int not_engage(void) { return 0; }\n")
    f:close()
    sh(("cc -shared -fPIC -o %s/libengage.so %s"):format(q(dir), q(src)))
    out, rc2 = luajit_with("ENGAGE_LIB=" .. q(dir .. "/libengage.so"), 'require "engage"')
    check(rc2 ~= 0 and out:find("not libengage", 1, true), out)
    sh("rm -rf " .. q(dir))
end)

test("load: package.cpath finds libengage.so when ENGAGE_LIB is unset", function()
    local lib = os.getenv("ENGAGE_LIB")
    if not lib then print("      (skipped: needs ENGAGE_LIB)") return end
    local dir = tmpdir()
    sh(("ln -s %s %s/libengage.so"):format(q(lib), q(dir)))
    local code = ('package.cpath = %q .. package.cpath; print(require("engage").library_path())')
                 :format(dir .. "/?.so;")
    local out, rc = luajit_with("-u ENGAGE_LIB", code)
    check(rc == 0, out)
    eq(out:gsub("%s+$", ""), dir .. "/libengage.so", "library_path")
    sh("rm -rf " .. q(dir))
end)

--------------------------------------------------------------- the status paths

test("status ok: load, decide, record, forget, export, stats, drain", function()
    local eng = new_engine()
    local loaded = ok(eng:load(capped_set(1)))
    eq(loaded.status, "ok")
    eq(#loaded.warnings, 0, "warnings")
    local first = ok(eng:decide(home_request("u1", { user = { name = "Min" } })))
    eq(first.user_id, "u1")
    eq(campaigns_of(first), { "welcome" })
    eq(first.messages[1].payload.title, "Hello Min")
    eq(first.messages[1].channel, "in_app")
    eq(#ok(eng:decide(home_request("u1"))).messages, 0, "capped")
    eq(#ok(eng:decide(home_request("u2"))).messages, 1, "another user")
    -- An impression recorded from elsewhere counts toward the cap.
    ok(eng:record(json.encode({ user_id = "u4", type = "impression", campaign = "welcome",
                                channel = "in_app", time = NOW - 1000 })))
    eq(#ok(eng:decide(home_request("u4"))).messages, 0, "recorded impression")
    local exported = ok(eng:export("u1"))
    eq(exported.user_id, "u1")
    check(#exported.impressions > 0, "export has impressions")
    eq(ok(eng:forget("u1")).status, "ok")
    eq(#ok(eng:export("u1")).impressions, 0, "forgotten")
    eq(#ok(eng:decide(home_request("u1"))).messages, 1, "cap reset by forget")
    local st = ok(eng:stats())
    eq(st.decisions, 5, "decisions")
    eq(st.records, 1, "records")
    local one = ok(eng:drain(1))
    eq(#one, 1, "drain(1)")
    eq(one[1].user_id, "u2")
    local rest = ok(eng:drain())
    eq(#rest, 1, "drain()") -- u1's first exposure went with forget
    eq(rest[1].user_id, "u1")
    eq(#ok(eng:drain(0)), 0, "drained")
    eng:close()
end)

test("status invalid json: the message gives the offset", function()
    local eng = new_engine(capped_set())
    for _, bad in ipairs({ "{", "", "\255", '{"user_id": "u1",}', ("["):rep(100000) }) do
        local e = fails(engage.INVALID_JSON, eng:decide(bad))
        eq(e.status, "invalid json")
        check(#e.message > 0, "message")
    end
    local e = fails(engage.INVALID_JSON, eng:decide('{"user_id": "u1" "x"}'))
    check(e.message:find("%d"), "no offset in", e.message)
    fails(engage.INVALID_JSON, eng:decide(nil)) -- nil is the empty input
    fails(engage.INVALID_JSON, eng:load("{"))
    fails(engage.INVALID_JSON, eng:record("nope"))
    fails(engage.INVALID_JSON, engage.open("{"))
    eng:close()
end)

test("status invalid request: with the path", function()
    local eng = new_engine(capped_set())
    local e = fails(engage.INVALID_REQUEST,
        eng:decide('{"user_id": "u1", "placements": ["home"], "channels": ["push", "fax"]}'))
    eq(e.path, "channels[1]")
    check(e.message:find("fax", 1, true), e.message)
    e = fails(engage.INVALID_REQUEST, eng:decide('{"placement": "home"}'))
    eq(e.path, "user_id")
    fails(engage.INVALID_REQUEST, eng:record('{"user_id": "u1", "type": "teleport"}'))
    fails(engage.INVALID_REQUEST, eng:forget(""))
    fails(engage.INVALID_REQUEST, eng:export(""))
    e = fails(engage.INVALID_REQUEST, engage.open('{"store": {"kind": "nope"}}'))
    eq(e.path, "store.kind")
    e = fails(engage.INVALID_REQUEST, engage.open('{"limits": {"max_steps": 0}}'))
    eq(e.path, "limits.max_steps")
    eng:close()
end)

test("status invalid campaigns: every problem, the current set stays", function()
    local eng = new_engine(capped_set(100))
    local bad = json.decode(capped_set())
    bad.campaigns[1].prority = 3
    bad.campaigns[1].channels.fax = { payload = json.object() }
    local e = fails(engage.INVALID_CAMPAIGNS, eng:load(json.encode(bad)))
    local paths = {}
    for i, p in ipairs(e.problems) do paths[i] = p.path end
    table.sort(paths)
    eq(paths, { "campaigns[0].channels.fax", "campaigns[0].prority" }, "problem paths")
    eq(campaigns_of(ok(eng:decide(home_request()))), { "welcome" }, "previous set")
    eng:close()
end)

test("status no campaigns", function()
    local eng = new_engine()
    local e = fails(engage.NO_CAMPAIGNS, eng:decide(home_request()))
    eq(e.status, "no campaigns")
    check(#e.code > 0)
    eng:close()
end)

test("borrow: an engine by address shares state, close only detaches, bad addresses refused", function()
    local function ok_engine(e, err)
        check(e ~= nil, err)
        return e
    end
    local eng = new_engine(capped_set(1))
    local address = eng:address()
    check(type(address) == "number" and address > 0, "address is a number")
    local b = ok_engine(engage.borrow(address))
    eq(#ok(b:decide(home_request("bu1"))).messages, 1, "borrowed decides")
    eq(#ok(eng:decide(home_request("bu1"))).messages, 0, "the owner sees the borrower's cap")
    b:close()
    check(b.closed, "borrowed close marks it closed")
    fails(engage.MISUSE, b:decide(home_request("bu2")))
    eq(#ok(eng:decide(home_request("bu2"))).messages, 1, "the owner still open after the borrower's close")
    for _, bad in ipairs({ 0, -1, 1.5, 2^53, "1", {} }) do
        fails(engage.MISUSE, engage.borrow(bad))
    end
    eng:close()
    eq(eng:address(), nil, "no address once closed")
    -- The library answers a closed engine's address with MISUSE, never a crash.
    fails(engage.MISUSE, ok_engine(engage.borrow(address)):decide(home_request("bu3")))
end)

test("status misuse: closed engine, bad arguments, NULL to the library", function()
    local eng = new_engine(capped_set())
    eng:close()
    check(eng.closed)
    eng:close() -- idempotent
    local calls = {
        function() return eng:decide(home_request()) end,
        function() return eng:decide_into(home_request()) end,
        function() return eng:load(capped_set()) end,
        function() return eng:record('{"user_id": "u1", "type": "event", "name": "x"}') end,
        function() return eng:forget("u1") end,
        function() return eng:export("u1") end,
        function() return eng:drain() end,
        function() return eng:stats() end,
        function() return eng:context('{"user_id": "u1"}') end,
    }
    for i, call in ipairs(calls) do
        local e = fails(engage.MISUSE, call())
        eq(e.status, "misuse", "call " .. i)
    end
    local live = new_engine(capped_set())
    fails(engage.MISUSE, live:decide(42))
    fails(engage.MISUSE, live:decide({}))
    fails(engage.MISUSE, live:drain(-1))
    fails(engage.MISUSE, live:drain("all"))
    fails(engage.MISUSE, live:decide_into(home_request(), ffi.new("char[8]"), nil))
    fails(engage.MISUSE, engage.open(5))
    fails(engage.MISUSE, engage.open({}))
    live:close()
    -- What the binding never does, the library refuses too: a NULL engine.
    local out, len = ffi.new("char *[1]"), ffi.new("size_t[1]")
    eq(engage._lib.engage_decide(nil, "{}", 2, out, len), engage.MISUSE, "NULL engine")
    engage._lib.engage_free(out[0])
end)

test("status too big: max_request_bytes and a small decide_into buffer", function()
    local eng = new_engine(capped_set(1000), '{"limits": {"max_request_bytes": 200}}')
    local big = home_request("u1", { user = { notes = ("x"):rep(300) } })
    local e = fails(engage.TOO_BIG, eng:decide(big))
    eq(e.code, "too_big")
    fails(engage.TOO_BIG, eng:context(big))
    fails(engage.TOO_BIG, eng:record(json.encode({ user_id = "u1", type = "event", name = "x",
                                                   properties = { p = ("y"):rep(300) } })))
    ok(eng:decide(home_request("u1")))
    -- decide_into with a buffer too small for the decision: taken and committed.
    local buf = ffi.new("char[16]")
    e = fails(engage.TOO_BIG, eng:decide_into(home_request("u2"), buf, 16))
    check(e.message:find("committed", 1, true), e.message)
    -- a bad request whose error text does not fit keeps its own status
    fails(engage.INVALID_REQUEST, eng:decide_into('{"placement": "home"}', buf, 16))
    eng:close()
end)

test("status store: a state file that is not libengage's", function()
    local dir = tmpdir()
    local f = assert(io.open(dir .. "/state.db", "wb"))
    f:write(("not a database\n"):rep(100))
    f:close()
    local e = fails(engage.STORE, engage.open(json.encode({
        store = { kind = "sqlite", path = dir .. "/state.db" } })))
    check(e.message:find("state.db", 1, true), e.message)
    -- and a fresh file opens and keeps state
    local eng = assert(engage.open(json.encode({ store = { kind = "sqlite", path = dir .. "/new.db" } })))
    ok(eng:load(capped_set(1)))
    eq(#ok(eng:decide(home_request())).messages, 1)
    eng:close()
    sh("rm -rf " .. q(dir))
end)

------------------------------------------------------------------ decide_into

test("decide_into: the same text as decide, module or caller buffer", function()
    local eng = new_engine(capped_set(1000), json.encode({ defaults = { fixed_clock_ms = NOW } }))
    local r = home_request("u1", { commit = false })
    local want = ok(eng:decide(r))
    eq(ok(eng:decide_into(r)), want, "module buffer")
    local buf = ffi.new("char[4096]")
    eq(ok(eng:decide_into(r, buf, 4096)), want, "caller buffer")
    local e = fails(engage.INVALID_REQUEST, eng:decide_into('{"placement": "home"}', buf, 4096))
    eq(e.path, "user_id")
    local ctx = assert(eng:context('{"user_id": "u1", "app": {"foreground": true}}'))
    eq(ok(ctx:decide_into('{"placement": "home", "commit": false}', buf, 4096)), want, "context")
    ctx:close()
    fails(engage.MISUSE, ctx:decide_into("{}"))
    eng:close()
end)

------------------------------------------------------------- examples/, records

test("examples: every request and record against the telco set", function()
    local eng = new_engine(read(REPO .. "/examples/campaigns/telco-full.json"))
    local valid, invalid = 0, 0
    for name in io.popen("ls " .. q(REPO .. "/examples/requests")):lines() do
        local text = read(REPO .. "/examples/requests/" .. name)
        if name:match("^invalid%-") then
            local e = fails(engage.INVALID_REQUEST, eng:decide(text))
            check(#e.message > 0, name)
            invalid = invalid + 1
        else
            local d = ok(eng:decide(text))
            eq(d.user_id, json.decode(text).user_id, name)
            valid = valid + 1
        end
    end
    check(valid >= 5 and invalid >= 5, valid, invalid)
    local records = 0
    for name in io.popen("ls " .. q(REPO .. "/examples/records")):lines() do
        local text = read(REPO .. "/examples/records/" .. name)
        local res, err, status = eng:record(text)
        if name:match("^invalid%-") then
            check(res == nil and (status == engage.INVALID_REQUEST or status == engage.INVALID_JSON),
                  name, status, err)
        else
            ok(res, err, status)
        end
        records = records + 1
    end
    check(records >= 6, records)
    eng:close()
end)

------------------------------------------------------------------------ vectors

test("vectors: bucketing rollout (every vector, id and user forms)", function()
    local checked, expected = vectors.rollout(engage, REPO, NOW)
    eq(checked, expected, "rollout decisions")
    print(("      %d rollout decisions"):format(checked))
end)

for _, section in ipairs({ "holdout", "control", "variants" }) do
    test("vectors: bucketing " .. section .. " (every vector as a whole decision)", function()
        local replayed, refused = vectors.replay(engage, REPO, NOW, section)
        eq(replayed + refused, 40, section .. " vectors")
        print(("      %d replayed, %d refused at user_id"):format(replayed, refused))
    end)
end

test("vectors: consent (every case, shown or not)", function()
    local n, wrong = vectors.consent(engage, REPO)
    check(n >= 200, "consent cases:", n)
    eq(wrong, {}, "wrong cases")
    print(("      %d consent cases"):format(n))
end)

test("vectors: decisions (Tests/vectors/decisions, full expected output)", function()
    local contract = require "test_contract"
    eq(contract.difference(json.decode('{"a":[1,{"b":"x"}]}'), json.decode('{"a":[1,{"b":"y"}]}'), "$"),
       '$.a[1].b: expected "x", got "y"', "difference")
    local n, problems = contract.decisions(engage, REPO)
    check(n >= 50, "decision vectors:", n)
    eq(problems, {}, "decision vectors that differ")
    print(("      %d decision vectors"):format(n))
end)

------------------------------------------------------------------------ contexts

local USER = json.encode({ user_id = "u1", app = { foreground = true }, now = NOW })

test("context: decision equals the merged request", function()
    local eng = new_engine(read(REPO .. "/examples/campaigns/telco-full.json"))
    local request = json.decode(read(REPO .. "/examples/requests/plan-page-view.json"))
    request.now, request.commit, request.explain = NOW, false, true
    for _ = 1, 3 do -- history that makes plan-change-nudge eligible
        ok(eng:record(json.encode({ user_id = request.user_id, type = "event", name = "page_view",
                                    properties = { page = "/plans" }, time = NOW - 3600000 })))
    end
    local user, question = {}, {}
    local qkeys = { event = true, placements = true, commit = true, now = true, explain = true }
    for k, v in pairs(request) do
        if qkeys[k] then question[k] = v else user[k] = v end
    end
    local ctx = assert(eng:context(json.encode(user)))
    local got = ok(ctx:decide(json.encode(question)))
    eq(got, ok(eng:decide(json.encode(request))), "context vs decide")
    eq(got.messages[1].campaign, "plan-change-nudge")
    ctx:close()
    local full = assert(eng:context(json.encode(request)))
    eq(ok(full:decide()), ok(eng:decide(json.encode(request))), "nil question")
    eq(ok(full:decide("{}")), ok(eng:decide(json.encode(request))), "{} question")
    full:close()
    eng:close()
end)

test("context: refused questions and documents, with paths", function()
    local eng = new_engine(capped_set(100))
    local ctx = assert(eng:context(USER))
    local e = fails(engage.INVALID_REQUEST, ctx:decide('{"user_id": "u2", "placement": "home"}'))
    check((e.path .. e.message):find("user_id", 1, true), e.path, e.message)
    fails(engage.INVALID_JSON, ctx:decide('{"placement": "home",'))
    e = fails(engage.INVALID_REQUEST, ctx:decide('{"placement": "home", "channels": ["fax"]}'))
    eq(e.path, "channels[0]")
    fails(engage.MISUSE, ctx:decide(7))
    eq(#ok(ctx:decide('{"placement": "home"}')).messages, 1, "still works")
    ctx:close()
    e = fails(engage.INVALID_REQUEST, eng:context('{"user_id": "u1", "channels": ["push", "fax"]}'))
    eq(e.path, "channels[1]")
    fails(engage.INVALID_REQUEST, eng:context('{"app": {"foreground": true}}'))
    fails(engage.INVALID_JSON, eng:context('{"user_id": "u1",'))
    fails(engage.INVALID_JSON, eng:context(""))
    fails(engage.MISUSE, eng:context(1))
    eng:close()
end)

test("context: close, reuse; a closed context never answers for another", function()
    local eng = new_engine(capped_set(100))
    local ctx = assert(eng:context(USER))
    eq(#ok(ctx:decide('{"placement": "home"}')).messages, 1)
    ctx:close()
    ctx:close()
    check(ctx.closed)
    local e = fails(engage.MISUSE, ctx:decide('{"placement": "home"}'))
    eq(e.status, "misuse")
    for i = 1, 10 do
        local uid = "next-" .. i
        local n = assert(eng:context(json.encode({ user_id = uid, app = { foreground = true } })))
        fails(engage.MISUSE, ctx:decide('{"placement": "home"}'))
        ctx:close() -- closing the old one again must not close the new one
        eq(ok(n:decide('{"placement": "home", "commit": false}')).user_id, uid)
        n:close()
    end
    -- the library's own guard, beside the binding's flag: the raw stale handle
    local raw = assert(eng:context(USER))
    local h = raw._h
    raw:close()
    local fresh = assert(eng:context(json.encode({ user_id = "fresh" })))
    local out, len = ffi.new("char *[1]"), ffi.new("size_t[1]")
    eq(engage._lib.engage_context_decide(h, "{}", 2, out, len), engage.MISUSE, "stale handle")
    engage._lib.engage_free(out[0])
    engage._lib.engage_context_close(h) -- must not close `fresh`
    eq(ok(fresh:decide('{"placement": "home", "commit": false}')).user_id, "fresh")
    fresh:close()
    eng:close()
end)

test("context: caps count through contexts", function()
    local eng = new_engine(capped_set(2))
    local user = json.encode({ user_id = "capped", app = { foreground = true }, now = NOW })
    local a, b = assert(eng:context(user)), assert(eng:context(user))
    local shown = 0
    for _ = 1, 3 do
        for _, c in ipairs({ a, b }) do
            shown = shown + #ok(c:decide('{"placement": "home"}')).messages
        end
    end
    eq(shown, 2, "shown")
    a:close()
    b:close()
    eng:close()
end)

test("context: of a closed engine, and keeping its engine alive", function()
    local eng = new_engine(capped_set())
    local ctx = assert(eng:context(USER))
    eng:close()
    fails(engage.MISUSE, ctx:decide('{"placement": "home"}'))
    ctx:close()
    ctx:close()
    -- An engine only its context references is not collected.
    local c2 = assert(new_engine(capped_set(100)):context(USER))
    collectgarbage()
    collectgarbage()
    eq(#ok(c2:decide('{"placement": "home"}')).messages, 1, "engine kept alive")
    c2:close()
end)

test("finalisers: dropped engines and contexts are closed by the GC", function()
    for _ = 1, 50 do
        local eng = new_engine(capped_set())
        for _ = 1, 20 do assert(eng:context(USER)) end -- never closed
    end
    collectgarbage()
    collectgarbage()
    -- closed explicitly then collected: the disarmed finaliser does nothing
    for _ = 1, 50 do
        local eng = new_engine(capped_set())
        local ctx = assert(eng:context(USER))
        ctx:close()
        eng:close()
    end
    collectgarbage()
    collectgarbage()
    local eng = new_engine(capped_set())
    ok(eng:decide(home_request()))
    eng:close()
end)

------------------------------------------------------------------------- README

test("README: the example runs as written", function()
    local md = read(HERE .. "/README.md")
    local block = md:match("```lua\n(.-)```")
    check(block, "no ```lua block in README.md")
    local dir = tmpdir()
    local f = assert(io.open(dir .. "/example.lua", "w"))
    f:write(block)
    f:close()
    local out, rc = sh(("cd %s && luajit %s"):format(q(REPO), q(dir .. "/example.lua")))
    sh("rm -rf " .. q(dir))
    check(rc == 0, out)
    check(out:find('"campaign":"plan-change-nudge"', 1, true), out)
    check(out:find('"channel":"in_app"', 1, true), out)
    check(out:find('nil\ttrue\t{"status":"invalid request"', 1, true), out)
    check(out:find('"path":"channels[0]"', 1, true), out)
    check(out:find('nil\t{"status":"misuse"', 1, true), out)
end)

test("README: the repository README's Lua example runs as written", function()
    local block = read(REPO .. "/README.md"):match("%*%*LuaJIT / OpenResty%*%*.-```lua\n(.-)```")
    check(block, "no Lua example in README.md")
    local dir = tmpdir()
    local f = assert(io.open(dir .. "/example.lua", "w"))
    f:write(block)
    f:close()
    local out, rc = sh(("cd %s && LUA_PATH=%s luajit %s"):format(q(REPO), q(HERE .. "/?.lua;;"),
                                                                  q(dir .. "/example.lua")))
    sh("rm -rf " .. q(dir))
    check(rc == 0, out)
    check(out:find('"campaign":"plan-change-nudge"', 1, true), out)
end)

require("test_runtime")(T, engage)
T.summary()
