-- engage_gateway — libengage in nginx (ngx_http_lua_module): the contract of
-- examples/go-gateway. nginx.conf.template wires it in; examples/nginx/serve fills that.
--
--   configure(path)  init_by_lua (master): reads the settings file. Opens nothing.
--   init_worker()    init_worker_by_lua: this worker's engine, its timers.
--   page()           access_by_lua on proxied locations: the decision for a page view,
--                    left in $engage_* variables that proxy_set_header sends upstream.
--   decide(), events(), user(), health(), metrics()   content_by_lua of the endpoints.
--
-- Nothing that can wait runs on the event loop: campaign loads always, and every engine
-- call when the store does I/O (SQLite, Redis), go through ngx.run_worker_thread.
-- Counters are plain Lua numbers per worker, copied to the shared dict by a timer.

local cjson = require("cjson.safe").new()
local engage = require "engage"

local ngx = ngx
local ngx_var = ngx.var
local concat, insert = table.concat, table.insert
local byte, char, format, sub = string.byte, string.char, string.format, string.sub
local tonumber, tostring, type, pairs, ipairs = tonumber, tostring, type, pairs, ipairs

local THREAD_POOL = "engage"
local LOAD_POOL = "engage_load"
local THREAD_MODULE = "engage_gateway_thread"
local MAX_ERROR_HEADER = 512
local SNAPSHOT_TTL = 5 -- seconds a worker's snapshot outlives its last flush

local _M = {}

-- Settings (configure), then this worker's state (init_worker). One table each, owned by
-- this module in this VM; nothing at module level changes per request.
local settings
local worker = {
    engine = nil,      -- this worker's engine
    address = nil,     -- its address, for the thread VMs
    threaded = false,  -- engine calls through the thread pool (a store doing I/O)
    loaded = false,    -- a campaign set is in
    digest = nil,      -- md5 of the campaign file last loaded (or refused)
    load_error = nil,  -- why the last load failed
    counters = {},     -- metric line (name{labels}) -> number
    request_tail = nil,
}

------------------------------------------------------------------------ settings

local function read_file(path)
    local f, err = io.open(path, "rb")
    if not f then
        return nil, err
    end
    local text = f:read("*a")
    f:close()
    return text
end

local function list(v)
    if type(v) ~= "table" then
        return {}
    end
    return v
end

-- The settings file (JSON, written by serve): campaigns (path), engine_config (text or
-- null), cookie, consent_cookie, user_header, placements, channels, max_header,
-- admin_token, admin_allow, reload_interval, flush_interval.
function _M.configure(path)
    local text, err = read_file(path)
    if not text then
        error("engage_gateway: settings: " .. tostring(err))
    end
    local s, derr = cjson.decode(text)
    if type(s) ~= "table" then
        error("engage_gateway: settings: " .. tostring(derr))
    end
    if type(s.campaigns) ~= "string" or s.campaigns == "" then
        error("engage_gateway: settings: campaigns (a file path) is required")
    end
    s.cookie = s.cookie or "engage_uid"
    if s.consent_cookie == nil then
        s.consent_cookie = "engage_consent"
    end
    s.channels = list(s.channels)
    if #s.channels == 0 then
        s.channels = { "in_app" }
    end
    s.placements = list(s.placements)
    s.max_header = tonumber(s.max_header) or 8192
    s.reload_interval = tonumber(s.reload_interval) or 0.5
    s.flush_interval = tonumber(s.flush_interval) or 1
    local allow = {}
    for _, a in ipairs(list(s.admin_allow)) do
        allow[a] = true
    end
    s.admin_allow = allow
    if s.user_header and s.user_header ~= "" then
        s.user_header_var = "http_" .. s.user_header:lower():gsub("-", "_")
    end
    s.cookie_var = "cookie_" .. s.cookie
    if s.consent_cookie ~= "" then
        s.consent_var = "cookie_" .. s.consent_cookie
    end
    if type(s.engine_config) ~= "string" then
        s.engine_config = nil -- JSON null: the defaults (memory store)
    end
    if type(s.admin_token) ~= "string" then
        s.admin_token = nil
    end
    -- The store decides whether engine calls may wait: memory never does.
    local kind = "memory"
    if type(s.engine_config) == "string" then
        local cfg = cjson.decode(s.engine_config)
        if type(cfg) == "table" and type(cfg.store) == "table" and type(cfg.store.kind) == "string" then
            kind = cfg.store.kind
        end
    end
    s.threaded = kind ~= "memory"
    if s.threads == "on" then
        s.threaded = true
    elseif s.threads == "off" then
        s.threaded = false
    end
    settings = s
end

------------------------------------------------------------------------ counters

local function count(key, n)
    local c = worker.counters
    c[key] = (c[key] or 0) + (n or 1)
end

------------------------------------------------------------------------ engine calls

-- Error objects from the library as one line: "engage: PATH: MESSAGE [code] (status)",
-- the Go binding's wording.
local function error_line(err, status)
    local e = type(err) == "string" and cjson.decode(err)
    if type(e) ~= "table" then
        return "engage: " .. tostring(err)
    end
    local parts = { "engage: " }
    local problems = list(e.problems)
    if #problems > 1 then
        insert(parts, format("%d problems (%s):", #problems, tostring(e.status)))
        for i, p in ipairs(problems) do
            insert(parts, format(" %s: %s [%s]%s", tostring(p.path), tostring(p.message),
                tostring(p.code), i < #problems and ";" or ""))
        end
        return concat(parts)
    end
    if type(e.path) == "string" and e.path ~= "" then
        insert(parts, e.path .. ": ")
    end
    insert(parts, tostring(e.message))
    if type(e.code) == "string" and e.code ~= "" then
        insert(parts, " [" .. e.code .. "]")
    end
    insert(parts, " (" .. tostring(e.status or status) .. ")")
    return concat(parts)
end

local function thread_error(err)
    return cjson.encode({ status = "error", code = "worker_thread",
                          message = "worker thread: " .. tostring(err) })
end

-- eng:<method>(arg) on the event loop (memory store) or in the thread pool.
-- Returns text, or nil, err (JSON text), status.
local function engine_call(method, arg)
    local eng = worker.engine
    if not eng then
        return nil, cjson.encode({ status = "error", code = "no_engine",
                                   message = "the engine did not open: see the error log" }), 1
    end
    if not worker.threaded then
        local ok, out, err, status = pcall(eng[method], eng, arg)
        if not ok then
            return nil, thread_error(out), 1
        end
        return out, err, status
    end
    local ok, out, err, status = ngx.run_worker_thread(THREAD_POOL, THREAD_MODULE, "call",
                                                       worker.address, method, arg)
    if not ok then
        return nil, thread_error(out), 1
    end
    if out == false then
        return nil, err, status
    end
    return out
end

------------------------------------------------------------------------ headers

-- JSON text as printable ASCII: UTF-8 sequences as \uXXXX (pairs above U+FFFF), and
-- <, >, & and DEL escaped as Go's encoder does. Only strings hold such bytes.
local function utf8_escape(seq)
    local b1, b2, b3, b4 = byte(seq, 1, 4)
    local cp
    if b1 < 0xE0 then
        cp = (b1 - 0xC0) * 64 + (b2 - 0x80)
    elseif b1 < 0xF0 then
        cp = ((b1 - 0xE0) * 64 + (b2 - 0x80)) * 64 + (b3 - 0x80)
    else
        cp = (((b1 - 0xF0) * 64 + (b2 - 0x80)) * 64 + (b3 - 0x80)) * 64 + (b4 - 0x80)
        cp = cp - 0x10000
        return format("\\u%04x\\u%04x", 0xD800 + math.floor(cp / 1024), 0xDC00 + cp % 1024)
    end
    return format("\\u%04x", cp)
end

local ASCII_ESCAPES = { ["<"] = "\\u003c", [">"] = "\\u003e", ["&"] = "\\u0026", ["\127"] = "\\u007f" }

local function ascii_json(text)
    text = text:gsub("\\/", "/")                       -- cjson writes / as \/
    text = text:gsub("[<>&\127]", ASCII_ESCAPES)
    text = text:gsub("[\194-\244][\128-\191]*", utf8_escape)
    return text
end

-- Printable ASCII, at most max bytes: anything else becomes "?".
local function ascii_header(text, max)
    text = text:gsub("[\192-\255][\128-\191]*", "?"):gsub("[%z\1-\31\127-\255]", "?")
    if #text > max then
        text = sub(text, 1, max)
    end
    return text
end

-- One chosen message as X-Engage-Decision carries it, members in a fixed order.
local function header_message(m)
    local parts = { '{"campaign":', cjson.encode(tostring(m.campaign)) }
    if type(m.placement) == "string" and m.placement ~= "" then
        insert(parts, ',"placement":' .. cjson.encode(m.placement))
    end
    if type(m.variant) == "string" and m.variant ~= "" then
        insert(parts, ',"variant":' .. cjson.encode(m.variant))
    end
    insert(parts, ',"channel":' .. cjson.encode(tostring(m.channel)))
    if m.payload ~= nil then
        insert(parts, ',"payload":' .. (cjson.encode(m.payload) or "null"))
    end
    insert(parts, "}")
    return ascii_json(concat(parts))
end

-- The X-Engage-Decision value, the number of messages dropped to stay within max bytes,
-- and the store's error when the decision failed closed. nil, err on a bad decision.
local function decision_header(decision, max)
    local d = cjson.decode(decision)
    if type(d) ~= "table" then
        return nil, "decision: not a JSON object"
    end
    local msgs = {}
    for i, m in ipairs(list(d.messages)) do
        if type(m) ~= "table" then
            return nil, "decision: messages[" .. (i - 1) .. "] is not an object"
        end
        msgs[i] = header_message(m)
    end
    local unavailable
    if type(d.store) == "string" and d.store ~= "" then
        unavailable = "store " .. d.store .. ": " .. tostring(d.store_error)
    end
    local n = #msgs
    local size = 2 + (n > 0 and n - 1 or 0)
    for i = 1, n do
        size = size + #msgs[i]
    end
    while n > 0 and size > max do
        size = size - #msgs[n] - (n > 1 and 1 or 0)
        msgs[n] = nil
        n = n - 1
    end
    return "[" .. concat(msgs, ",") .. "]", #list(d.messages) - n, unavailable
end

------------------------------------------------------------------------ page

local CONSENT_PURPOSES = { marketing = true, service = true, transactional = true }

local function consent()
    local var = settings.consent_var
    if not var then
        return nil
    end
    local v = ngx_var[var]
    if not v then
        return nil
    end
    local c
    for p in v:gmatch("[^,]+") do
        p = p:match("^%s*(.-)%s*$")
        if CONSENT_PURPOSES[p] then
            c = c or {}
            c[p] = true
        end
    end
    return c
end

local function user_id()
    local uid
    if settings.user_header_var then
        uid = ngx_var[settings.user_header_var]
    end
    if not uid or uid == "" then
        uid = ngx_var[settings.cookie_var]
    end
    if uid == "" then
        return nil
    end
    return uid
end

local function page_request(uid)
    local head = cjson.encode({ user_id = uid, consent = consent(),
        event = { name = "page_view", properties = { page = ngx_var.uri } } })
    return sub(head, 1, -2) .. "," .. worker.request_tail
end

local function page_status(status)
    ngx_var.engage_status = status
    count('engage_gateway_pages_total{status="' .. status .. '"}')
end

local function page_error(message)
    ngx_var.engage_error = ascii_header(message, MAX_ERROR_HEADER)
    page_status("error")
end

-- access_by_lua of the proxied locations. Never fails the page: every error ends as
-- X-Engage-Status: error with X-Engage-Error.
function _M.page()
    if ngx.req.get_method() ~= "GET" then
        return page_status("not-a-page")
    end
    local uid = user_id()
    if not uid then
        return page_status("no-user")
    end
    local ok, err = pcall(function()
        local decision, derr, status = engine_call("decide", page_request(uid))
        if not decision then
            return page_error(error_line(derr, status))
        end
        local header, dropped, unavailable = decision_header(decision, settings.max_header)
        if not header then
            return page_error(dropped)
        end
        ngx_var.engage_decision = header
        if dropped > 0 then
            ngx_var.engage_dropped = tostring(dropped)
        end
        if unavailable then
            ngx_var.engage_error = ascii_header(unavailable, MAX_ERROR_HEADER)
            return page_status("store-unavailable")
        end
        page_status("decided")
    end)
    if not ok then
        page_error("gateway: " .. tostring(err))
    end
end

------------------------------------------------------------------------ endpoints

local function respond(status, body, endpoint)
    ngx.status = status
    ngx.header["Content-Type"] = "application/json"
    ngx.header["Cache-Control"] = "no-store"
    count('engage_gateway_api_requests_total{endpoint="' .. endpoint .. '",code="' .. status .. '"}')
    ngx.print(body)
    return ngx.exit(status)
end

local function refuse(status, code, message, endpoint)
    return respond(status, cjson.encode({ status = "error", code = code, message = message }), endpoint)
end

-- HTTP status for a library status: the caller's mistake (400), no campaign set or a
-- store down (503), else 500.
local STATUS_HTTP = { [3] = 400, [4] = 400, [6] = 503, [7] = 503, [8] = 413 }

local function engine_failure(err, status, endpoint)
    return respond(STATUS_HTTP[status] or 500, err, endpoint)
end

local function post_body(endpoint)
    if ngx.req.get_method() ~= "POST" then
        ngx.header["Allow"] = "POST"
        return refuse(405, "method_not_allowed", "use POST", endpoint)
    end
    ngx.req.read_body()
    local body = ngx.req.get_body_data()
    if not body then
        if ngx.req.get_body_file() then
            return refuse(413, "too_big", "the body is over client_body_buffer_size", endpoint)
        end
        return refuse(400, "invalid_json", "the body is empty: a JSON object is expected", endpoint)
    end
    return body
end

-- POST /engage/decide: a decide request (docs/decisions.md) → the decision.
function _M.decide()
    local body = post_body("decide")
    local decision, err, status = engine_call("decide", body)
    if not decision then
        return engine_failure(err, status, "decide")
    end
    return respond(200, decision, "decide")
end

-- POST /engage/events: one record (schema/record.schema.json) → {"status":"ok"}.
function _M.events()
    local body = post_body("events")
    local ok, err, status = engine_call("record", body)
    if not ok then
        return engine_failure(err, status, "events")
    end
    return respond(200, ok, "events")
end

local function admin(endpoint)
    if settings.admin_allow[ngx_var.remote_addr] then
        return true
    end
    local token = settings.admin_token
    if type(token) == "string" and token ~= "" then
        local auth = ngx_var.http_authorization
        if auth and auth == "Bearer " .. token then
            return true
        end
    end
    refuse(403, "forbidden", "admin only: from an allowed address or with the admin token", endpoint)
    return false
end

-- GET /engage/users/<id>: export; DELETE: erase. Admin only.
function _M.user()
    if not admin("users") then
        return
    end
    local uid = ngx_var.uri:match("^/engage/users/(.+)$")
    if not uid then
        return refuse(404, "not_found", "a user id is expected after /engage/users/", "users")
    end
    local method = ngx.req.get_method()
    local call
    if method == "GET" then
        call = "export"
    elseif method == "DELETE" then
        call = "forget"
    else
        ngx.header["Allow"] = "GET, DELETE"
        return refuse(405, "method_not_allowed", "use GET (export) or DELETE (erase)", "users")
    end
    local out, err, status = engine_call(call, uid)
    if not out then
        return engine_failure(err, status, "users")
    end
    return respond(200, out, "users")
end

------------------------------------------------------------------------ shared snapshots

-- What this worker publishes: "pid ready\n" then "key value" lines. One shared-dict write
-- per flush, none per request.
local function flush()
    local dict = ngx.shared.engage
    local lines = { ngx.worker.pid() .. " " .. (worker.loaded and "1" or "0") }
    for k, v in pairs(worker.counters) do
        lines[#lines + 1] = k .. " " .. format("%.17g", v)
    end
    local ok, err = dict:set("w" .. ngx.worker.id(), concat(lines, "\n"), SNAPSHOT_TTL)
    if not ok then
        ngx.log(ngx.ERR, "engage: metrics snapshot: ", err)
    end
end

-- Every worker's snapshot: a list of { pid, ready, counters }.
local function snapshots()
    flush() -- this worker's own is always fresh
    local dict = ngx.shared.engage
    local all = {}
    for id = 0, ngx.worker.count() - 1 do
        local text = dict:get("w" .. id)
        if text then
            local pid, ready = text:match("^(%d+) (%d)")
            local counters = {}
            for k, v in text:gmatch("\n(%S+) (%S+)") do
                counters[k] = tonumber(v)
            end
            all[#all + 1] = { id = id, pid = tonumber(pid), ready = ready == "1", counters = counters }
        end
    end
    return all
end

-- GET /engage/health: 200 once every worker has a campaign set, else 503.
function _M.health()
    local all = snapshots()
    local n = ngx.worker.count()
    local ready, pids = 0, {}
    for _, w in ipairs(all) do
        if w.ready then
            ready = ready + 1
        end
        pids[#pids + 1] = w.pid
    end
    local ok = ready == n
    local body = cjson.encode({ status = ok and "ok" or "starting", workers = n, ready = ready,
                                pids = pids })
    body = body:gsub('"pids":{}', '"pids":[]')
    return respond(ok and 200 or 503, body, "health")
end

local HELP = {
    engage_gateway_pages_total = { "counter", "Page requests by the X-Engage-Status sent upstream." },
    engage_gateway_api_requests_total = { "counter", "Requests to the /engage endpoints by HTTP status." },
    engage_gateway_campaign_loads_total = { "counter", "Campaign file loads by result." },
}

-- GET /metrics: Prometheus text format 0.0.4, every worker's counters summed.
function _M.metrics()
    local all = snapshots()
    local sums, ready = {}, 0
    for _, w in ipairs(all) do
        if w.ready then
            ready = ready + 1
        end
        for k, v in pairs(w.counters) do
            sums[k] = (sums[k] or 0) + v
        end
    end
    local families = {}
    for k in pairs(sums) do
        local name = k:match("^[%w_]+")
        families[name] = families[name] or {}
        insert(families[name], k)
    end
    local names = {}
    for name in pairs(families) do
        names[#names + 1] = name
    end
    table.sort(names)
    local out = {
        "# HELP engage_gateway_workers Worker processes serving.",
        "# TYPE engage_gateway_workers gauge",
        "engage_gateway_workers " .. ngx.worker.count(),
        "# HELP engage_gateway_workers_ready Workers with a campaign set loaded.",
        "# TYPE engage_gateway_workers_ready gauge",
        "engage_gateway_workers_ready " .. ready,
    }
    for _, name in ipairs(names) do
        local h = HELP[name] or { "untyped", name }
        insert(out, "# HELP " .. name .. " " .. h[2])
        insert(out, "# TYPE " .. name .. " " .. h[1])
        local keys = families[name]
        table.sort(keys)
        for _, k in ipairs(keys) do
            insert(out, k .. " " .. format("%.17g", sums[k]))
        end
    end
    insert(out, "")
    ngx.status = 200
    ngx.header["Content-Type"] = "text/plain; version=0.0.4"
    ngx.print(concat(out, "\n"))
end

------------------------------------------------------------------------ worker

-- Loads the campaign file off the event loop when it changed; reschedules itself (one
-- timer at a time: a slow load delays the next check instead of overlapping it).
local function reload(premature)
    if premature or ngx.worker.exiting() then
        return
    end
    local ok, changed, digest, err = ngx.run_worker_thread(LOAD_POOL, THREAD_MODULE, "load",
        worker.address, settings.campaigns, worker.digest)
    if not ok then
        ngx.log(ngx.ERR, "engage: campaign load: worker thread: ", changed)
    elseif changed then
        worker.digest = digest
        if err then
            worker.load_error = err
            count('engage_gateway_campaign_loads_total{result="error"}')
            ngx.log(ngx.ERR, "engage: ", settings.campaigns, " refused, the current set stays: ",
                    error_line(err))
        else
            worker.loaded = true
            worker.load_error = nil
            count('engage_gateway_campaign_loads_total{result="ok"}')
            ngx.log(ngx.NOTICE, "engage: worker ", ngx.worker.id(), " loaded ", settings.campaigns)
            flush()
        end
    elseif err then
        ngx.log(ngx.ERR, "engage: ", err)
    end
    local ok2, terr = ngx.timer.at(settings.reload_interval, reload)
    if not ok2 and not ngx.worker.exiting() then
        ngx.log(ngx.ERR, "engage: reload timer: ", terr)
    end
end

local function flush_timer(premature)
    if premature then
        return
    end
    flush()
end

-- init_worker_by_lua: this worker's engine (after the fork, never in the master), the
-- request parts every page shares, the first load and the timers.
function _M.init_worker()
    local tail = { channels = settings.channels, app = { foreground = true } }
    if #settings.placements > 0 then
        tail.placements = settings.placements
    end
    worker.request_tail = sub(cjson.encode(tail), 2)
    worker.threaded = settings.threaded
    local eng, err = engage.open(settings.engine_config)
    if not eng then
        ngx.log(ngx.ERR, "engage: engine config: ", error_line(err))
        flush()
        return
    end
    worker.engine = eng
    worker.address = eng:address()
    local ok, terr = ngx.timer.at(0, reload)
    if not ok then
        ngx.log(ngx.ERR, "engage: reload timer: ", terr)
    end
    ok, terr = ngx.timer.every(settings.flush_interval, flush_timer)
    if not ok then
        ngx.log(ngx.ERR, "engage: flush timer: ", terr)
    end
    flush()
end

-- exit_worker_by_lua: close the engine (requests are done; a pending load answers
-- MISUSE from the closed engine).
function _M.exit_worker()
    if worker.engine then
        worker.engine:close()
        worker.engine = nil
    end
end

return _M
