-- Tests/vectors replayed through the Lua binding as whole decisions, exactly as
-- bindings/python/tests does: bucketing.json (rollout, holdout, control, variants) and
-- consent.json. Used by test.lua; each function raises on the first wrong decision.

local json = require "test_json"

local M = {}

local function read_json(path)
    local f = assert(io.open(path, "rb"))
    local v = json.decode(f:read("*a"))
    f:close()
    return v
end

local function bucketing(repo)
    local v = read_json(repo .. "/Tests/vectors/bucketing.json")
    assert(v.version == 1, "bucketing vectors version")
    return v
end

-- What a request accepts as user_id (docs/decisions.md): 1-256 bytes, no NUL.
local function requestable(user)
    return #user >= 1 and #user <= 256 and not user:find("\0", 1, true)
end

local function must(text, err, status, what)
    if text == nil then
        error(("%s: status %s: %s"):format(what, tostring(status), tostring(err)), 2)
    end
    return json.decode(text)
end

local function load(eng, set, what)
    local text, err, status = eng:load(json.encode(set))
    must(text, err, status, what)
end

-- Every rollout vector through an audience rule {"rollout": [salt, percent, id]} (the id
-- form hashes exactly the vector's user, the empty one included) and, for users a
-- request can name, the two-argument form over the request's user_id. Returns the
-- number of decisions checked and the number expected.
function M.rollout(engage, repo, now)
    local rollout = bucketing(repo).rollout
    assert(#rollout == 120, "rollout vectors: " .. #rollout)
    local campaigns = json.array()
    for i, v in ipairs(rollout) do
        for _, form in ipairs({ "id", "user" }) do
            local rule = json.array({ v.salt, v.percent })
            if form == "id" then rule[3] = { var = "user.bucket_id" } end
            local id = ("r%d-%s"):format(i, form)
            campaigns[#campaigns + 1] = {
                id = id, purpose = "service", status = "active", placements = { id },
                audience = { rollout = rule },
                channels = { in_app = { payload = json.object() } },
            }
        end
    end
    local eng = assert(engage.open())
    load(eng, { version = 1, bucketing_version = 1, campaigns = campaigns }, "rollout set")
    local checked, unusable = 0, 0
    for i, v in ipairs(rollout) do
        local forms = { "id" }
        if requestable(v.user) then forms[2] = "user" else unusable = unusable + 1 end
        for _, form in ipairs(forms) do
            local req = json.encode({
                user_id = form == "user" and v.user or "someone",
                placement = ("r%d-%s"):format(i, form),
                app = { foreground = true }, commit = false, now = now,
                user = { bucket_id = v.user },
            })
            local text, err, status = eng:decide(req)
            local d = must(text, err, status, "rollout " .. i)
            local got = #d.messages > 0
            if got ~= v["in"] then
                error(("rollout vector %d (%s form): in=%s, decision %s"):format(
                    i, form, tostring(v["in"]), json.encode(d)))
            end
            checked = checked + 1
        end
    end
    eng:close()
    return checked, 2 * #rollout - unusable
end

local function vector_campaign(id, salt, extra)
    local c = { id = id, purpose = "service", status = "active", placements = { "h" },
                channels = { in_app = { payload = json.object() } } }
    if salt ~= "" then c.salt = salt end
    for k, v in pairs(extra or {}) do c[k] = v end
    return c
end

-- The format's weights are relative integers: the vectors' fractional ones scaled by the
-- least power of ten that makes them whole (docs/bucketing.md step 6 is unchanged).
local function integer_weights(weights)
    for k = 0, 6 do
        local scaled, whole = {}, true
        for i, w in ipairs(weights) do
            local x = w * 10 ^ k
            local r = math.floor(x + 0.5)
            if math.abs(x - r) >= 1e-9 then whole = false end
            scaled[i] = r
        end
        if whole then return scaled end
    end
    error("no integer form of weights")
end

local function groups(d)
    local out = {}
    for i, a in ipairs(d.assignments or {}) do out[i] = a.campaign .. " " .. a.group end
    return out
end

local sections = {
    holdout = {
        build = function(v)
            return { version = 1, campaigns = { vector_campaign(v.campaign, v.salt,
                     { holdout_percent = v.percent }) } }
        end,
        check = function(v, d)
            local want = v["in"] and { v.campaign .. " holdout" } or {}
            return json.equal(groups(d), want) and ((#d.messages > 0) == not v["in"])
        end,
    },
    control = {
        build = function(v)
            return { version = 1,
                     policies = { control_group_percent = v.percent, control_group_salt = v.salt },
                     campaigns = { vector_campaign("c", "") } }
        end,
        check = function(v, d)
            local want = v["in"] and { "c control" } or {}
            return json.equal(groups(d), want) and ((#d.messages > 0) == not v["in"])
        end,
    },
    variants = {
        build = function(v)
            local variants = {}
            for i, w in ipairs(integer_weights(v.weights)) do
                variants[i] = { id = "v" .. (i - 1), weight = w }
            end
            return { version = 1, campaigns = { vector_campaign(v.campaign, v.salt,
                     { variants = variants }) } }
        end,
        check = function(v, d)
            return #d.messages == 1 and d.messages[1].variant == "v" .. v.variant
                   and #(d.assignments or {}) == 0
        end,
    },
}

-- Every vector of a section as a whole decision: its campaign set loaded, then a
-- decision for the vector's user. A user no request can name must be refused at
-- user_id. Returns (replayed, refused); raises on a wrong decision.
function M.replay(engage, repo, now, section)
    local cases = bucketing(repo)[section]
    assert(#cases == 40, section .. " vectors: " .. #cases)
    local s = sections[section]
    local eng = assert(engage.open())
    local replayed, refused = 0, 0
    for i, v in ipairs(cases) do
        load(eng, s.build(v), section .. " " .. i)
        local req = json.encode({ user_id = v.user, placement = "h", app = { foreground = true },
                                  commit = false, now = now })
        local text, err, status = eng:decide(req)
        if not requestable(v.user) then
            local e = text == nil and status == engage.INVALID_REQUEST and json.decode(err)
            if not (e and e.path == "user_id") then
                error(("%s vector %d: user %q not refused at user_id (%s)"):format(
                    section, i, v.user, tostring(text or err)))
            end
            refused = refused + 1
        else
            local d = must(text, err, status, section .. " " .. i)
            if not s.check(v, d) then
                error(("%s vector %d %s: decision %s"):format(section, i, json.encode(v), json.encode(d)))
            end
            replayed = replayed + 1
        end
    end
    eng:close()
    return replayed, refused
end

-- consent.json: each case a whole decision whose campaign is shown or not. Returns the
-- number of cases and the names of the wrong ones.
function M.consent(engage, repo)
    local vec = read_json(repo .. "/Tests/vectors/consent.json")
    local eng = assert(engage.open())
    load(eng, vec.campaign_set, "consent set")
    local wrong = {}
    for _, c in ipairs(vec.cases) do
        local text, err, status = eng:decide(json.encode(c.request))
        local d = must(text, err, status, c.name)
        if (#d.messages > 0) ~= c.shown then wrong[#wrong + 1] = c.name end
    end
    eng:close()
    return #vec.cases, wrong
end

return M
