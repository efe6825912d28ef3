-- engage — LuaJIT FFI binding for libengage (include/engage.h), for OpenResty and
-- standalone LuaJIT. No C shim and no callbacks: every call is a plain FFI call that the
-- JIT compiles into the caller's trace.
--
--     local engage = require "engage"
--     local eng, err = engage.open(nil)                   -- or a JSON config string
--     local ok, err, status = eng:load(campaigns_json)
--     local decision, err, status = eng:decide(request_json)
--
-- JSON goes in and comes out as Lua strings; the binding decodes nothing (pick cjson or
-- any other decoder yourself). Every call on an engine or a context returns its result
-- on success and `nil, err, status` on failure — `err` the library's error object as
-- JSON text, `status` the numeric ENGAGE_* code — and never raises. Only `require`
-- raises: when the library cannot be found or its ABI version is not ABI_VERSION.
--
-- The library is found through, in order: ENGAGE_LIB (the path of libengage.so), then
-- package.cpath (each template with "?" replaced by "libengage"; `lua_package_cpath`
-- in nginx), then the system loader (ldconfig paths, LD_LIBRARY_PATH).

local ffi = require "ffi"

local ffi_new, ffi_string, ffi_gc, ffi_cast = ffi.new, ffi.string, ffi.gc, ffi.cast
local type, tonumber, setmetatable = type, tonumber, setmetatable

local _M = { _VERSION = "0.1.0" }

-- The ABI version this binding was written for (ENGAGE_ABI_VERSION in engage.h).
_M.ABI_VERSION = 1

-- The declarations this binding uses, verbatim from include/engage.h (a test compares
-- them, and the constants below, with the header). engage_engine_open_with_store and
-- engage_store are left out on purpose: callbacks abort JIT traces and cannot yield.
local CDEF = [[
typedef struct engage_engine engage_engine;
const char *engage_version(void);
int32_t engage_abi_version(void);
const char *engage_status_string(int32_t status);
int32_t engage_engine_open(const char *config, size_t config_len, engage_engine **engine,
                           char **out, size_t *out_len);
void engage_engine_close(engage_engine *engine);
int32_t engage_load_campaigns(engage_engine *engine, const char *json, size_t len,
                              char **out, size_t *out_len);
int32_t engage_decide(engage_engine *engine, const char *request, size_t len,
                      char **out, size_t *out_len);
int32_t engage_decide_into(engage_engine *engine, const char *request, size_t len,
                           char *buf, size_t cap, size_t *out_len);
typedef struct engage_context engage_context;
int32_t engage_context_open(engage_engine *engine, const char *json, size_t len,
                            engage_context **context, char **out, size_t *out_len);
int32_t engage_context_decide(engage_context *context, const char *question, size_t len,
                              char **out, size_t *out_len);
int32_t engage_context_decide_into(engage_context *context, const char *question, size_t len,
                                   char *buf, size_t cap, size_t *out_len);
void engage_context_close(engage_context *context);
int32_t engage_record(engage_engine *engine, const char *record, size_t len,
                      char **out, size_t *out_len);
int32_t engage_forget_user(engage_engine *engine, const char *user_id, size_t len,
                           char **out, size_t *out_len);
int32_t engage_export_user(engage_engine *engine, const char *user_id, size_t len,
                           char **out, size_t *out_len);
int32_t engage_drain_exposures(engage_engine *engine, size_t max, char **out, size_t *out_len);
int32_t engage_stats(engage_engine *engine, char **out, size_t *out_len);
void engage_free(void *p);
]]
_M._CDEF = CDEF

-- cdef once per Lua VM: a second ffi.cdef of the same functions raises "attempt to
-- redefine" (e.g. when package.loaded was cleared and the module is required again).
if not pcall(ffi.typeof, "engage_engine") then
    ffi.cdef(CDEF)
end

-- Status codes and limits (engage.h).
_M.OK = 0
_M.ERROR = 1
_M.MISUSE = 2
_M.INVALID_JSON = 3
_M.INVALID_REQUEST = 4
_M.INVALID_CAMPAIGNS = 5
_M.NO_CAMPAIGNS = 6
_M.STORE = 7
_M.TOO_BIG = 8
_M.NOMEM = 9
_M.DEFAULT_MAX_REQUEST_BYTES = 1048576
_M.DEFAULT_MAX_DEPTH = 64
_M.MAX_CAMPAIGN_BYTES = 67108864
_M.MAX_ERROR_TEXT = 4096

-- The buffer decide_into uses when the caller passes none: large enough for any
-- decision of a realistic set (a decision that does not fit is ENGAGE_TOO_BIG).
_M.DECIDE_BUFFER_BYTES = 65536

------------------------------------------------------------------------- loading

local function file_exists(path)
    local f = io.open(path, "rb")
    if f then f:close() return true end
    return false
end

-- Returns the clib and where it came from, or raises with everything that was tried.
local function load_library()
    local tried = {}
    local candidates = {}
    local env = os.getenv("ENGAGE_LIB")
    if env and env ~= "" then
        candidates[1] = { env, "ENGAGE_LIB" }
    else
        for template in package.cpath:gmatch("[^;]+") do
            local path = template:gsub("%?", "libengage")
            if file_exists(path) then
                candidates[#candidates + 1] = { path, "package.cpath" }
            end
        end
        candidates[#candidates + 1] = { "engage", "the system loader" }
    end
    for _, c in ipairs(candidates) do
        local ok, lib = pcall(ffi.load, c[1])
        if ok then
            return lib, c[1]
        end
        tried[#tried + 1] = c[1] .. " (" .. c[2] .. "): " .. tostring(lib)
    end
    error("engage: cannot load libengage; set ENGAGE_LIB to the path of libengage.so. Tried: "
          .. table.concat(tried, "; "), 3)
end

local C, lib_path = load_library()

do
    local ok, abi = pcall(function() return C.engage_abi_version() end)
    if not ok then
        error("engage: " .. lib_path .. " is not libengage (no engage_abi_version): " .. tostring(abi), 2)
    end
    if abi ~= _M.ABI_VERSION then
        error(("engage: %s has ABI version %d, this binding was written for ABI version %d")
              :format(lib_path, abi, _M.ABI_VERSION), 2)
    end
end

-- Anchored here for the life of the module: an unreferenced clib may be unloaded by the
-- GC while finalisers that call into it are still pending.
_M._lib = C

function _M.library_path()
    return lib_path
end

function _M.version()
    return ffi_string(C.engage_version())
end

function _M.status_string(status)
    return ffi_string(C.engage_status_string(status))
end

------------------------------------------------------------------ out-parameters

-- Allocated once per VM and reused by every call: nothing can yield between a C call
-- and reading them, so requests on one nginx worker never see each other's values.
local out_p = ffi_new("char *[1]")
local len_p = ffi_new("size_t[1]")
local engine_p = ffi_new("engage_engine *[1]")
local context_p = ffi_new("engage_context *[1]")
local into_buf, into_cap -- decide_into's default buffer, made on first use

-- The library's error shape, for failures detected in Lua (the message has no quotes
-- or backslashes, so it needs no escaping).
local function lua_error(status, code, message)
    return ('{"status":"%s","code":"%s","path":"","message":"%s"}')
           :format(ffi_string(C.engage_status_string(status)), code, message), status
end

local CLOSED_ENGINE = lua_error(_M.MISUSE, "misuse", "the engine is closed")
local CLOSED_CONTEXT = lua_error(_M.MISUSE, "misuse", "the context is closed")
local NOT_A_STRING = lua_error(_M.MISUSE, "misuse", "expected a string (JSON text) or nil")

-- Takes the text a call left in out_p/len_p: copied into a Lua string, the library's
-- buffer freed at once. The result on success; nil, error text, status otherwise.
local function take(status)
    local p = out_p[0]
    local text
    if p ~= nil then
        text = ffi_string(p, len_p[0])
        C.engage_free(p)
        out_p[0] = nil
    end
    if status == 0 then
        return text
    end
    if text == nil then -- ENGAGE_NOMEM leaves no text
        return nil, lua_error(status, "nomem", "the library returned no text (out of memory)"), status
    end
    return nil, text, status
end

-------------------------------------------------------------------------- engine

local Engine = {}
Engine.__index = Engine

local Context = {}
Context.__index = Context

-- The finalisers anchor C through their upvalue (see _M._lib).
local function engine_finaliser(h)
    C.engage_engine_close(h)
end

local function context_finaliser(h)
    C.engage_context_close(h)
end

-- The length of an input: 0 for nil (passed as NULL/0), nil for anything not a string.
local function length(s)
    if s == nil then
        return 0
    end
    if type(s) == "string" then
        return #s
    end
end

-- Every call with one input and a text result: the handle (nil once closed), the error
-- for a closed one, the C function and the text. The result text, or nil, err, status.
local function call(h, closed, fn, s)
    if h == nil then
        return nil, closed, 2
    end
    local len = length(s)
    if len == nil then
        return nil, NOT_A_STRING, 2
    end
    out_p[0] = nil
    return take(fn(h, s, len, out_p, len_p))
end

-- decide_into for an engine or a context: the caller's buffer (cdata of `cap` bytes)
-- or the module's own; the text is copied out of it into a Lua string.
local function call_into(h, closed, fn, s, buf, cap)
    if h == nil then
        return nil, closed, 2
    end
    local len = length(s)
    if len == nil then
        return nil, NOT_A_STRING, 2
    end
    if buf == nil then
        if into_buf == nil then
            into_cap = _M.DECIDE_BUFFER_BYTES
            into_buf = ffi_new("char[?]", into_cap)
        end
        buf, cap = into_buf, into_cap
    elseif type(cap) ~= "number" or cap < 0 then
        return nil, lua_error(_M.MISUSE, "misuse", "cap must be the buffer size in bytes"), 2
    end
    len_p[0] = 0
    local rc = fn(h, s, len, buf, cap, len_p)
    local n = len_p[0]
    if n < cap and (rc == 0 or n > 0) then -- the text (decision or error) was written
        local text = ffi_string(buf, n)
        if rc == 0 then
            return text
        end
        return nil, text, rc
    end
    if rc == 8 and n >= cap then
        return nil, lua_error(rc, "too_big", "the decision (" .. tonumber(n)
                              .. " bytes) did not fit the buffer; it was taken and committed"), rc
    end
    return nil, lua_error(rc, "buffer", "the error text did not fit the buffer"), rc
end

-- Closes an engine or a context once: the finaliser is disarmed first, so the handle is
-- never closed twice, and the object never passes it to the library again.
local function close(self, closer)
    local h = self._h
    if h ~= nil then
        self._h = nil
        self.closed = true
        ffi_gc(h, nil)
        closer(h)
    end
end

-- Opens an engine. `config`: engine config JSON text (docs/engine-config.md) or nil
-- for the defaults. Returns the engine, or nil, err, status.
function _M.open(config)
    local len = length(config)
    if len == nil then
        return nil, NOT_A_STRING, 2
    end
    engine_p[0] = nil
    out_p[0] = nil
    local rc = C.engage_engine_open(config, len, engine_p, out_p, len_p)
    local h = engine_p[0]
    engine_p[0] = nil
    if rc ~= 0 then
        return take(rc)
    end
    take(rc) -- open writes no text on success; free whatever it may write
    return setmetatable({ _h = ffi_gc(h, engine_finaliser), closed = false }, Engine)
end

-- Validates, compiles and swaps in a campaign set; the result lists warnings.
function Engine:load(json)
    return call(self._h, CLOSED_ENGINE, C.engage_load_campaigns, json)
end

-- A decision (docs/decisions.md) as JSON text.
function Engine:decide(request)
    return call(self._h, CLOSED_ENGINE, C.engage_decide, request)
end

-- engage_decide into a buffer: no library allocation for the result. With "commit"
-- (the default) a decision too big for the buffer is taken and committed but lost
-- (ENGAGE_TOO_BIG): prefer decide() when in doubt.
function Engine:decide_into(request, buf, cap)
    return call_into(self._h, CLOSED_ENGINE, C.engage_decide_into, request, buf, cap)
end

-- Records an impression, click, dismissal, conversion, event or conversation.
function Engine:record(record)
    return call(self._h, CLOSED_ENGINE, C.engage_record, record)
end

-- Erases everything the engine holds about a user.
function Engine:forget(user_id)
    return call(self._h, CLOSED_ENGINE, C.engage_forget_user, user_id)
end

-- Everything the store holds about a user, as JSON (docs/state.md).
function Engine:export(user_id)
    return call(self._h, CLOSED_ENGINE, C.engage_export_user, user_id)
end

-- Counters, reasons, latency histogram.
function Engine:stats()
    local h = self._h
    if h == nil then
        return nil, CLOSED_ENGINE, 2
    end
    out_p[0] = nil
    return take(C.engage_stats(h, out_p, len_p))
end

-- Removes up to `max` queued exposure records (nil or 0: all), a JSON array.
function Engine:drain(max)
    local h = self._h
    if h == nil then
        return nil, CLOSED_ENGINE, 2
    end
    max = max or 0
    if type(max) ~= "number" or max < 0 or max ~= max or max >= 2^53 then
        return nil, lua_error(_M.MISUSE, "misuse", "max must be a number from 0 to 2^53"), 2
    end
    out_p[0] = nil
    return take(C.engage_drain_exposures(h, max, out_p, len_p))
end

-- Parses and checks one user's document once; returns a context or nil, err, status.
-- The context keeps the engine object alive; close it when the request ends.
function Engine:context(json)
    local h = self._h
    if h == nil then
        return nil, CLOSED_ENGINE, 2
    end
    local len = length(json)
    if len == nil then
        return nil, NOT_A_STRING, 2
    end
    context_p[0] = nil
    out_p[0] = nil
    local rc = C.engage_context_open(h, json, len, context_p, out_p, len_p)
    local c = context_p[0]
    context_p[0] = nil
    if rc ~= 0 then
        return take(rc)
    end
    take(rc)
    return setmetatable({ _h = ffi_gc(c, context_finaliser), _engine = self, closed = false }, Context)
end

-- Closes the engine; idempotent. Later calls return nil, err, ENGAGE_MISUSE.
-- A borrowed engine (engage.borrow) is only detached: its owner closes it.
function Engine:close()
    if self.borrowed then
        self._h = nil
        self.closed = true
        return
    end
    close(self, C.engage_engine_close)
end

-- The engine's address as a Lua number, for engage.borrow in another Lua VM of the same
-- process (ngx.run_worker_thread passes numbers, not cdata); nil once closed.
function Engine:address()
    local h = self._h
    if h == nil then
        return nil
    end
    return tonumber(ffi_cast("uintptr_t", h))
end

-- An engine object over the address another VM of this process got from eng:address():
-- no finaliser, and close() only detaches it. The owner must keep the engine open while
-- borrowers use it (the library answers a closed engine's calls with ENGAGE_MISUSE).
function _M.borrow(address)
    if type(address) ~= "number" or address <= 0 or address >= 2^53 or address % 1 ~= 0 then
        return nil, lua_error(_M.MISUSE, "misuse", "address must be what eng:address() returned"), 2
    end
    return setmetatable({ _h = ffi_cast("engage_engine *", address), closed = false,
                          borrowed = true }, Engine)
end

------------------------------------------------------------------------- context

-- The decision for the context merged with `question` (JSON text; nil means {}).
function Context:decide(question)
    return call(self._h, CLOSED_CONTEXT, C.engage_context_decide, question)
end

function Context:decide_into(question, buf, cap)
    return call_into(self._h, CLOSED_CONTEXT, C.engage_context_decide_into, question, buf, cap)
end

-- Closes the context; idempotent. Later calls return nil, err, ENGAGE_MISUSE.
function Context:close()
    close(self, C.engage_context_close)
end

return _M
