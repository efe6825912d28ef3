-- Tests/vectors/decisions/*.json (scripts/gen-decision-vectors.py, Tests/vectors/README.md)
-- replayed through the Lua binding: each vector's campaign set loaded, its records
-- recorded, each step's request decided and the exposures drained; messages (campaign,
-- channel, placement, variant, payload), every exposure record and every campaign's
-- reason must equal the vector's `expected`. Used by test.lua; a problem names the file
-- and the first difference.

local json = require "test_json"

local M = {}

local function kind(v)
    if v == json.null then return "null" end
    if type(v) == "table" then return getmetatable(v) == json.ARRAY and "array" or "object" end
    return type(v)
end

-- The first place where got differs from want ("path: expected X, got Y"), or nil.
function M.difference(want, got, path)
    local kw, kg = kind(want), kind(got)
    if kw ~= kg then
        return ("%s: expected %s, got %s"):format(path, json.encode(want), json.encode(got))
    end
    if kw == "array" then
        for i = 1, math.min(#want, #got) do
            local d = M.difference(want[i], got[i], ("%s[%d]"):format(path, i - 1))
            if d then return d end
        end
        if #want ~= #got then
            return ("%s: expected %d elements, got %d"):format(path, #want, #got)
        end
        return nil
    elseif kw == "object" then
        local keys = {}
        for k in pairs(want) do keys[#keys + 1] = k end
        for k in pairs(got) do if want[k] == nil then keys[#keys + 1] = k end end
        table.sort(keys)
        for _, k in ipairs(keys) do
            if want[k] == nil then
                return ("%s.%s: unexpected %s"):format(path, k, json.encode(got[k]))
            elseif got[k] == nil then
                return ("%s.%s: expected %s, missing"):format(path, k, json.encode(want[k]))
            end
            local d = M.difference(want[k], got[k], path .. "." .. k)
            if d then return d end
        end
        return nil
    elseif want ~= got then
        return ("%s: expected %s, got %s"):format(path, json.encode(want), json.encode(got))
    end
    return nil
end

-- What a vector pins of a decision.
local function observed(decision, exposures)
    local messages = json.array()
    for _, m in ipairs(decision.messages) do
        local p = json.object()
        for _, k in ipairs({ "campaign", "channel", "placement", "variant", "payload" }) do
            p[k] = m[k]
        end
        messages[#messages + 1] = p
    end
    local explanation = json.array()
    for _, e in ipairs(decision.explanation or {}) do
        explanation[#explanation + 1] = json.object({ campaign = e.campaign, reason = e.reason })
    end
    return json.object({ messages = messages, exposures = exposures, explanation = explanation })
end

local function must(what, text, err, status)
    if text == nil then
        error(("%s: status %s: %s"):format(what, tostring(status), tostring(err)), 2)
    end
    return text
end

-- Replays one file; the first difference (prefixed with the file's name) or nil.
function M.replay(engage, dir, name)
    local f = assert(io.open(dir .. "/" .. name, "rb"))
    local v = json.decode(f:read("*a"))
    f:close()
    local eng = assert(engage.open())
    must(name .. ": load", eng:load(json.encode(v.campaign_set)))
    for i, r in ipairs(v.records) do
        must(("%s: records[%d]"):format(name, i - 1), eng:record(json.encode(r)))
    end
    for i, s in ipairs(v.steps) do
        local where = ("steps[%d]"):format(i - 1)
        local d = json.decode(must(name .. ": " .. where, eng:decide(json.encode(s.request))))
        local ex = json.decode(must(name .. ": drain", eng:drain()))
        local diff = M.difference(s.expected, observed(d, ex), where)
        if diff then
            eng:close()
            return name .. ": " .. diff
        end
    end
    eng:close()
    return nil
end

-- Every file of Tests/vectors/decisions: the number replayed and the problems found.
function M.decisions(engage, repo)
    local dir = repo .. "/Tests/vectors/decisions"
    local names = {}
    local ls = assert(io.popen("ls '" .. dir .. "'"))
    for line in ls:lines() do
        if line:match("%.json$") then names[#names + 1] = line end
    end
    ls:close()
    local problems = {}
    for _, name in ipairs(names) do
        local p = M.replay(engage, dir, name)
        if p then problems[#problems + 1] = p end
    end
    return #names, problems
end

return M
