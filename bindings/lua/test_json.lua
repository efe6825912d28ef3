-- A small JSON encoder and decoder for test.lua only: the binding itself decodes nothing,
-- and the tests must run under a bare luajit without lua-cjson.
--
-- decode: objects and arrays become tables marked by their metatable (json.OBJECT,
-- json.ARRAY) so that encode gives back the same shape, empty ones included; null is
-- json.null. encode: a marked table keeps its kind; an unmarked one is an array when
-- t[1] ~= nil, else an object (use json.array{} for an empty array). Object keys are
-- written sorted, so equal tables encode to equal text.

local json = {}

json.OBJECT = { __name = "object" }
json.ARRAY = { __name = "array" }
json.null = setmetatable({}, { __name = "null", __tostring = function() return "null" end })

function json.array(t) return setmetatable(t or {}, json.ARRAY) end
function json.object(t) return setmetatable(t or {}, json.OBJECT) end

local escapes = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
                  ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }

local function encode_string(s)
    return '"' .. s:gsub('[%c"\\]', function(c)
        return escapes[c] or ("\\u%04x"):format(c:byte())
    end) .. '"'
end

local function encode_number(n)
    assert(n == n and n ~= math.huge and n ~= -math.huge, "json: cannot encode " .. tostring(n))
    if n == math.floor(n) and math.abs(n) < 2^53 then
        return ("%d"):format(n)
    end
    local s = ("%.14g"):format(n)
    if tonumber(s) ~= n then s = ("%.17g"):format(n) end
    return s
end

local encode_value

local function is_array(t)
    local mt = getmetatable(t)
    if mt == json.ARRAY then return true end
    if mt == json.OBJECT then return false end
    return t[1] ~= nil
end

encode_value = function(v, out)
    local tv = type(v)
    if v == json.null or v == nil then
        out[#out + 1] = "null"
    elseif tv == "boolean" then
        out[#out + 1] = v and "true" or "false"
    elseif tv == "number" then
        out[#out + 1] = encode_number(v)
    elseif tv == "string" then
        out[#out + 1] = encode_string(v)
    elseif tv == "table" then
        if is_array(v) then
            out[#out + 1] = "["
            for i = 1, #v do
                if i > 1 then out[#out + 1] = "," end
                encode_value(v[i], out)
            end
            out[#out + 1] = "]"
        else
            local keys = {}
            for k in pairs(v) do
                assert(type(k) == "string", "json: object keys must be strings")
                keys[#keys + 1] = k
            end
            table.sort(keys)
            out[#out + 1] = "{"
            for i, k in ipairs(keys) do
                if i > 1 then out[#out + 1] = "," end
                out[#out + 1] = encode_string(k)
                out[#out + 1] = ":"
                encode_value(v[k], out)
            end
            out[#out + 1] = "}"
        end
    else
        error("json: cannot encode a " .. tv)
    end
end

function json.encode(v)
    local out = {}
    encode_value(v, out)
    return table.concat(out)
end

-- Decoder: a recursive descent over the string; errors name the byte offset.

local function utf8_char(cp)
    if cp < 0x80 then return string.char(cp) end
    if cp < 0x800 then
        return string.char(0xC0 + math.floor(cp / 0x40), 0x80 + cp % 0x40)
    end
    if cp < 0x10000 then
        return string.char(0xE0 + math.floor(cp / 0x1000), 0x80 + math.floor(cp / 0x40) % 0x40,
                           0x80 + cp % 0x40)
    end
    return string.char(0xF0 + math.floor(cp / 0x40000), 0x80 + math.floor(cp / 0x1000) % 0x40,
                       0x80 + math.floor(cp / 0x40) % 0x40, 0x80 + cp % 0x40)
end

local decode_value

local function skip(s, i)
    return (s:find("[^ \t\r\n]", i)) or #s + 1
end

local function fail(i, what)
    error(("json: %s at byte %d"):format(what, i), 0)
end

local function decode_string(s, i) -- s:sub(i, i) == '"'
    local parts = {}
    local j = i + 1
    while true do
        local k = s:find('["\\]', j)
        if not k then fail(i, "unterminated string") end
        parts[#parts + 1] = s:sub(j, k - 1)
        if s:sub(k, k) == '"' then
            return table.concat(parts), k + 1
        end
        local e = s:sub(k + 1, k + 1)
        if e == "u" then
            local cp = tonumber(s:sub(k + 2, k + 5), 16) or fail(k, "bad \\u escape")
            j = k + 6
            if cp >= 0xD800 and cp <= 0xDBFF and s:sub(j, j + 1) == "\\u" then
                local lo = tonumber(s:sub(j + 2, j + 5), 16)
                if lo and lo >= 0xDC00 and lo <= 0xDFFF then
                    cp = 0x10000 + (cp - 0xD800) * 0x400 + (lo - 0xDC00)
                    j = j + 6
                end
            end
            parts[#parts + 1] = utf8_char(cp)
        else
            local map = { b = "\b", f = "\f", n = "\n", r = "\r", t = "\t", ['"'] = '"',
                          ["\\"] = "\\", ["/"] = "/" }
            parts[#parts + 1] = map[e] or fail(k, "bad escape")
            j = k + 2
        end
    end
end

decode_value = function(s, i)
    i = skip(s, i)
    local c = s:sub(i, i)
    if c == "{" then
        local t = setmetatable({}, json.OBJECT)
        i = skip(s, i + 1)
        if s:sub(i, i) == "}" then return t, i + 1 end
        while true do
            if s:sub(i, i) ~= '"' then fail(i, "expected a key") end
            local k
            k, i = decode_string(s, i)
            i = skip(s, i)
            if s:sub(i, i) ~= ":" then fail(i, "expected ':'") end
            t[k], i = decode_value(s, i + 1)
            i = skip(s, i)
            local d = s:sub(i, i)
            if d == "}" then return t, i + 1 end
            if d ~= "," then fail(i, "expected ',' or '}'") end
            i = skip(s, i + 1)
        end
    elseif c == "[" then
        local t = setmetatable({}, json.ARRAY)
        i = skip(s, i + 1)
        if s:sub(i, i) == "]" then return t, i + 1 end
        while true do
            t[#t + 1], i = decode_value(s, i)
            i = skip(s, i)
            local d = s:sub(i, i)
            if d == "]" then return t, i + 1 end
            if d ~= "," then fail(i, "expected ',' or ']'") end
            i = i + 1
        end
    elseif c == '"' then
        return decode_string(s, i)
    elseif s:sub(i, i + 3) == "true" then
        return true, i + 4
    elseif s:sub(i, i + 4) == "false" then
        return false, i + 5
    elseif s:sub(i, i + 3) == "null" then
        return json.null, i + 4
    else
        local num = s:match("^-?%d+%.?%d*[eE]?[-+]?%d*", i)
        if not num or num == "" then fail(i, "unexpected character") end
        return tonumber(num) or fail(i, "bad number"), i + #num
    end
end

function json.decode(s)
    local v, i = decode_value(s, 1)
    if skip(s, i) <= #s then fail(i, "trailing characters") end
    return v
end

-- Deep equality of decoded values (kinds of empty tables included).
function json.equal(a, b)
    if type(a) ~= "table" or type(b) ~= "table" then return a == b end
    if is_array(a) ~= is_array(b) then return false end
    for k, v in pairs(a) do
        if not json.equal(v, b[k]) then return false end
    end
    for k in pairs(b) do
        if a[k] == nil then return false end
    end
    return true
end

return json
