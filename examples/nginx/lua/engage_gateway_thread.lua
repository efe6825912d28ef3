-- engage_gateway_thread — what the gateway runs through ngx.run_worker_thread, in a
-- thread of the `engage` thread pool with a Lua VM of its own: the calls that may wait
-- (a campaign file read and loaded, a decision or record whose store does I/O). The
-- worker's engine arrives as a number (eng:address()) and is borrowed, never closed
-- here. Arguments and results cross VMs by copy: strings, numbers, booleans, nil only.

local engage = require "engage"
local ffi = require "ffi"

local _M = {}

-- Campaign loads run in their own pool (engage_load) at a lower CPU priority: on a
-- machine with as many busy threads as cores, the event loops then win the CPU over a
-- 10,000-campaign compile, not the other way round. Linux applies setpriority to one
-- thread when given its id. Best effort: a failure leaves the priority as it is.
local NICE = 10
local lowered = false
pcall(ffi.cdef, "int gettid(void); int setpriority(int which, unsigned int who, int prio);")

local function lower_priority()
    if not lowered then
        lowered = true
        pcall(function() ffi.C.setpriority(0, ffi.C.gettid(), NICE) end)
    end
end

-- Reads the campaign file and loads it unless its digest is `digest` (unchanged).
-- Returns changed, digest, err: changed false with err nil when nothing changed.
function _M.load(address, path, digest)
    lower_priority()
    local f, err = io.open(path, "rb")
    if not f then
        return false, digest, "campaigns: " .. tostring(err)
    end
    local text = f:read("*a")
    f:close()
    if not text then
        return false, digest, "campaigns: " .. path .. ": read failed"
    end
    local d = ngx.md5(text)
    if d == digest then
        return false, digest, nil
    end
    local eng, berr = engage.borrow(address)
    if not eng then
        return false, digest, berr
    end
    local ok, lerr = eng:load(text)
    text = nil
    -- Debian's ngx_lua (0.10.23) keeps thread VMs' garbage until collected: collect now.
    collectgarbage()
    if not ok then
        return true, d, lerr
    end
    return true, d, nil
end

-- One engine call with one text argument: method is decide, record, forget or export.
-- Returns the text, or false, err, status.
function _M.call(address, method, arg)
    local eng, err, status = engage.borrow(address)
    if not eng then
        return false, err, status
    end
    local fn = eng[method]
    if method ~= "decide" and method ~= "record" and method ~= "forget" and method ~= "export" then
        return false, '{"status":"misuse","code":"misuse","message":"no such call"}', 2
    end
    local out
    out, err, status = fn(eng, arg)
    if out == nil then
        return false, err, status
    end
    return out
end

return _M
