-- check.lua: rules about the network as a whole, checked after each layer
-- has been checked on its own: where softmax may stand, which cost goes
-- with which output activation.
local err = require("err")
local registry = require("registry")

local M = {}

-- The name of a network prefixes every generated symbol, so it must be a
-- C identifier that C does not reserve: the description's `name` and the
-- command line's --name both go through name_problem (one rule).
local c_keywords = {}
for w in ([[auto break case char const continue default do double else enum extern
  float for goto if inline int long register restrict return short signed sizeof
  static struct switch typedef union unsigned void volatile while _Bool _Complex
  _Imaginary]]):gmatch("%S+") do c_keywords[w] = true end

M.NAME_RULE = "letters, digits and '_', not starting with a digit, not a C keyword, at most 48 characters"

-- name_problem(name) -> nil when name is a usable network name, else the
-- rule it breaks (M.NAME_RULE) for the message
function M.name_problem(name)
  if type(name) == "string" and name:match("^[A-Za-z_][A-Za-z0-9_]*$") and not c_keywords[name] and #name <= 48 then
    return nil
  end
  return M.NAME_RULE
end

function M.network(net)
  local n = #net.layers
  for i, L in ipairs(net.layers) do
    if registry.of(L).inner(L) and (i == 1 or i == n) then
      err.at(L.line, "%s: a %s layer cannot be the %s layer (it acts on the output of one layer for the next: " ..
             "put it between two layers, e.g. after a conv, pool or dense layer)", L.what, L.kind, i == 1 and "first" or "last")
    end
  end
  for i, L in ipairs(net.layers) do
    if L.act == "softmax" and i ~= n then
      err.at(L.line, "%s: softmax is only allowed on the last layer (use act = \"sigmoid\", \"tanh\" or \"relu\" here)", L.what)
    end
    if L.act == "softmax" and not registry.of(L).takes_softmax(L) then
      err.at(L.line, "%s: softmax is only supported on a dense layer (add dense { units = N, act = \"softmax\" } after this one)", L.what)
    end
  end
  local last = net.layers[n]
  local lact = last.act or "none"
  local has = last.act and ('act = "' .. lact .. '"') or "no activation"
  -- the way out: the layer's own act, or (a kind without one) a layer after it
  local function fix(a)
    if last.act then return string.format('give it act = "%s"', a) end
    return string.format('add dense { units = N, act = "%s" } after it', a)
  end
  if net.cost == "log-likelihood" and lact ~= "softmax" then
    err.at(net.line, "network: cost \"log-likelihood\" needs a softmax output layer, but the last layer, %s on line %d, has %s" ..
           " (%s, or use cost = \"quadratic\")", last.what, last.line, has, fix("softmax"))
  end
  if net.cost == "cross-entropy" and lact ~= "sigmoid" then
    err.at(net.line, "network: cost \"cross-entropy\" needs a sigmoid output layer, but the last layer, %s on line %d, has %s" ..
           " (%s, or use cost = \"quadratic\")", last.what, last.line, has, fix("sigmoid"))
  end
end

return M
