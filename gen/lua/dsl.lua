-- dsl.lua: the network description language.  Owns the schemas of
-- network{} and of each layer constructor, and turns the plain data that
-- the sandbox copied out of the description into checked records:
--
--   net = { name, line, input = {c, h, w}, cost, train = {...},
--           layers = { {kind, line, index, <fields with defaults>}, ... } }
--
-- Every message names the file, the line of the constructor and the layer.
local err = require("err")
local check = require("check")
local act = require("act")
local registry = require("registry")

local M = {}

-- ---------------------------------------------------------------- types
-- Each checker returns the normalized value, or nil and a description of
-- what was expected.
local checkers = {}

local function show(v)
  if type(v) == "string" then return string.format("%q", v) end
  if type(v) == "table" then
    if v._unsupported then return "a " .. v._unsupported end
    if v._kind == "network" then return "a network { ... }" end
    if v._kind then return "a " .. v._kind .. " layer" end
    -- a short list of plain values is shown as written: {28, 28}
    local n, items = 0, {}
    for _ in pairs(v) do n = n + 1 end
    if n == 0 then return "an empty table" end
    for i = 1, n do
      local x = v[i]
      if type(x) ~= "number" and type(x) ~= "string" and type(x) ~= "boolean" then break end
      items[i] = type(x) == "string" and string.format("%q", x) or tostring(x)
    end
    if #items == n and n <= 8 then return "{" .. table.concat(items, ", ") .. "}" end
    return "a table"
  end
  return tostring(v)
end
M.show = show

local function isint(v) return math.type(v) == "integer" or (math.type(v) == "float" and v == math.floor(v) and math.abs(v) < 2^53) end

function checkers.posint(v)
  if isint(v) and v >= 1 then return math.tointeger(v) end
  return nil, "a positive integer"
end

function checkers.nonnegint(v)
  if isint(v) and v >= 0 then return math.tointeger(v) end
  return nil, "a non-negative integer"
end

-- a conv's pad: a non-negative integer, or "same" (conv.lua works it out)
function checkers.pad(v)
  if v == "same" then return v end
  if isint(v) and v >= 0 then return math.tointeger(v) end
  return nil, 'a non-negative integer or "same"'
end

-- n or {h, w}, positive integers -> {h, w}
function checkers.pair(v)
  if isint(v) and v >= 1 then return { math.tointeger(v), math.tointeger(v) } end
  if type(v) == "table" and not v._kind and not v._unsupported then
    local n = 0
    for _ in pairs(v) do n = n + 1 end
    local h, w = v[1], v[2]
    if n == 2 and isint(h) and isint(w) and h >= 1 and w >= 1 then
      return { math.tointeger(h), math.tointeger(w) }
    end
  end
  return nil, "a positive integer or a pair {height, width} of them"
end

function checkers.act(v)
  if type(v) == "string" then
    for _, n in ipairs(act.names) do if n == v then return v end end
  end
  return nil, "one of " .. '"' .. table.concat(act.names, '", "') .. '"'
end

function checkers.posnum(v)
  if type(v) == "number" and v > 0 and v < math.huge then return v + 0.0 end
  return nil, "a positive number"
end

function checkers.nonnegnum(v)
  if type(v) == "number" and v >= 0 and v < math.huge then return v + 0.0 end
  return nil, "a non-negative number"
end

function checkers.prob(v)
  if type(v) == "number" and v >= 0 and v < 1 then return v + 0.0 end
  return nil, "a number in [0, 1)"
end

-- the expanded training sets (runtime/expand.h)
M.expansions = { "none", "shift1" }
function checkers.expand(v)
  for _, n in ipairs(M.expansions) do if v == n then return v end end
  return nil, "one of " .. '"' .. table.concat(M.expansions, '", "') .. '"'
end

function checkers.string(v)
  if type(v) == "string" and #v > 0 then return v end
  return nil, "a non-empty string"
end

function checkers.shape3(v)
  if type(v) == "table" and not v._kind and not v._unsupported then
    local n = 0
    for _ in pairs(v) do n = n + 1 end
    if n == 3 and isint(v[1]) and isint(v[2]) and isint(v[3]) and v[1] >= 1 and v[2] >= 1 and v[3] >= 1 then
      return { math.tointeger(v[1]), math.tointeger(v[2]), math.tointeger(v[3]) }
    end
  end
  return nil, "a list {channels, height, width} of positive integers"
end

M.checkers = checkers

-- ------------------------------------------------------ suggestions
local suggest = require("suggest").suggest
M.suggest = suggest

-- keys_in_order(t): t's keys, numbers first (ascending), then strings,
-- then booleans, so that with several mistakes the same one is reported
-- every run (pairs order changes from run to run)
local function keys_in_order(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  local rank = { number = 1, string = 2, boolean = 3 }
  table.sort(keys, function(a, b)
    local ra, rb = rank[type(a)] or 4, rank[type(b)] or 4
    if ra ~= rb then return ra < rb end
    if ra == 3 then return (not a) and b end
    if ra == 4 then return false end
    return a < b
  end)
  return keys
end

local function sorted_keys(schema)
  local keys = {}
  for k in pairs(schema) do keys[#keys + 1] = k end
  table.sort(keys)
  return keys
end

-- fields(args, schema, what, line, example) -> table of checked values.
-- `what` names the thing in messages ("conv (layer 1)").
function M.fields(args, schema, what, line, example)
  local out = {}
  local known = sorted_keys(schema)
  for _, k in ipairs(keys_in_order(args)) do
    if type(k) ~= "string" then
      err.at(line, "%s: unexpected positional value %s (fields are written name = value)", what, show(args[k]))
    end
    if not schema[k] then
      local s = suggest(k, known)
      err.at(line, "%s: unknown field '%s'%s", what, k,
             s and (" (did you mean '" .. s .. "'?)") or (" (known fields: " .. table.concat(known, ", ") .. ")"))
    end
  end
  for _, k in ipairs(known) do
    local spec, v = schema[k], args[k]
    if v == nil then
      if spec.required then
        err.at(line, "%s: missing field '%s' (for example: %s)", what, k, example)
      end
      v = spec.default
      if type(v) == "function" then v = v(out) end
      out[k] = v
    else
      local ok, expected = checkers[spec.type](v)
      if ok == nil then
        err.at(line, "%s: field '%s' must be %s, got %s", what, k, expected, show(v))
      end
      out[k] = ok
    end
  end
  return out
end

-- ------------------------------------------------------------ network
local costs = { "log-likelihood", "cross-entropy", "quadratic" }
M.costs = costs

local train_schema = {
  eta    = { type = "posnum", default = 0.1 },
  batch  = { type = "posint", default = 10 },
  l2     = { type = "nonnegnum", default = 0.0 },
  momentum = { type = "prob", default = 0.0 },        -- μ: v ← μv − η∇C, w ← w + v
  epochs = { type = "posint", default = 1 },
  seed   = { type = "nonnegint", default = 1 },
  data   = { type = "string", default = "fashion-mnist" },
  limit  = { type = "posint" },
  expand = { type = "expand", default = "none" },     -- "shift1": 4 shifted copies of each image
}
M.train_schema = train_schema

local net_schema = {
  name   = { type = "string", required = true },
  input  = { type = "shape3", required = true },
  layers = { type = "layers", required = true },
  cost   = { type = "string" },
  train  = { type = "table" },
}

-- at most this many layers: the sandbox's budgets bound what a description
-- computes, this bounds what the generator does with it (a few lines can
-- list 100,000 layers, and each costs the generator about 2 ms)
local MAX_LAYERS = 1000
M.MAX_LAYERS = MAX_LAYERS

local NET_EXAMPLE = 'network { name = "net", input = {1, 28, 28}, layers = { dense { units = 10, act = "softmax" } } }'

-- network(v, last_line) -> net record; v is what the description returned.
function M.network(v, last_line)
  if type(v) ~= "table" or v._kind ~= "network" then
    if v == nil then
      err.at(last_line, "the description returned nothing; end it with: return %s", NET_EXAMPLE)
    end
    err.at((type(v) == "table" and v._line) or last_line,
           "the description must return network { ... }, not %s", show(v))
  end
  local line, args = v._line, v._args
  -- layers and train are checked here, not by the generic checkers
  local plain = {}
  for k, x in pairs(args) do if k ~= "layers" and k ~= "train" then plain[k] = x end end
  local schema = {}
  for k, s in pairs(net_schema) do
    if k ~= "layers" and k ~= "train" then schema[k] = s end
  end
  for _, k in ipairs(keys_in_order(args)) do
    if type(k) == "string" and not net_schema[k] then
      local known = sorted_keys(net_schema)
      local s = suggest(k, known)
      err.at(line, "network: unknown field '%s'%s", k,
             s and (" (did you mean '" .. s .. "'?)") or (" (known fields: " .. table.concat(known, ", ") .. ")"))
    end
  end
  local net = M.fields(plain, schema, "network", line, NET_EXAMPLE)
  net.line = line
  if net.input[1] * 1.0 * net.input[2] * net.input[3] > 2^28 then   -- shape.lua's limit
    err.at(line, "network: input {%d, %d, %d} is larger than cnngen's limit of %d values per sample",
           net.input[1], net.input[2], net.input[3], 2^28 // 1)
  end

  local bad_name = check.name_problem(net.name)
  if bad_name then
    err.at(line, "network: name %q is not a C identifier (%s)", net.name, bad_name)
  end

  -- layers: a list of layer constructors
  local layers = args.layers
  if layers == nil then
    err.at(line, "network: missing field 'layers' (for example: %s)", NET_EXAMPLE)
  end
  if type(layers) ~= "table" or layers._kind or layers._unsupported then
    err.at(line, "network: field 'layers' must be a list of layers, got %s", show(layers))
  end
  local n = 0
  for _, k in ipairs(keys_in_order(layers)) do
    if math.type(k) ~= "integer" or k < 1 then
      err.at(line, "network: 'layers' must be a plain list, found the key %s", show(k))
    end
    n = math.max(n, k)
  end
  if n == 0 then
    err.at(line, "network: 'layers' is empty; a network needs at least one layer (for example: layers = { dense { units = 10, act = \"softmax\" } })")
  end
  net.layers = {}
  for i = 1, n do
    local lv = layers[i]
    if type(lv) ~= "table" or not lv._kind or lv._kind == "network" then
      err.at(line, "network: layers[%d] is %s, not a layer (write %s)", i,
             lv == nil and "nil (a hole in the list)" or show(lv), registry.example_list())
    end
    if i > MAX_LAYERS then
      err.at(line, "network: %d layers are more than cnngen's limit of %d", n, MAX_LAYERS)
    end
    local kind = registry.kinds[lv._kind]
    local what = string.format("%s (layer %d)", lv._kind, i)
    local L = M.fields(lv._args, kind.schema, what, lv._line, kind.example)
    L.kind, L.line, L.index, L.what = lv._kind, lv._line, i, what
    net.layers[i] = L
  end

  -- train: optional defaults for `cnngen run`
  local tr = args.train
  if tr ~= nil and (type(tr) ~= "table" or tr._kind or tr._unsupported) then
    err.at(line, "network: field 'train' must be a table, got %s", show(tr))
  end
  net.train = M.fields(tr or {}, train_schema, "network.train", line,
                       "train = { eta = 0.1, batch = 10, l2 = 0.1, epochs = 60 }")

  -- cost: defaults from the output activation
  if net.cost ~= nil then
    local ok = false
    for _, c in ipairs(costs) do ok = ok or c == net.cost end
    if not ok then
      local s = suggest(net.cost, costs)
      err.at(line, "network: unknown cost %q%s", net.cost,
             s and (" (did you mean '" .. s .. "'?)") or (" (one of: " .. table.concat(costs, ", ") .. ")"))
    end
  else
    local last = net.layers[#net.layers]
    net.cost = (last.act == "softmax" and "log-likelihood")
            or (last.act == "sigmoid" and "cross-entropy") or "quadratic"
    net.cost_defaulted = true
  end
  return net
end

return M
