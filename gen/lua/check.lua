-- check.lua: rules about the network as a whole, checked after each layer
-- has been checked on its own: where softmax may stand, which cost goes
-- with which output activation.
local err = require("err")

local M = {}

function M.network(net)
  local n = #net.layers
  for i, L in ipairs(net.layers) do
    if L.act == "softmax" and i ~= n then
      err.at(L.line, "%s: softmax is only allowed on the last layer (use act = \"sigmoid\", \"tanh\" or \"relu\" here)", L.what)
    end
    if L.act == "softmax" and L.kind ~= "dense" then
      err.at(L.line, "%s: softmax is only supported on a dense layer (add dense { units = N, act = \"softmax\" } after this one)", L.what)
    end
  end
  local last = net.layers[n]
  local lact = last.act or "none"
  local has = last.act and ('act = "' .. lact .. '"') or "no activation"
  if net.cost == "log-likelihood" and lact ~= "softmax" then
    err.at(net.line, "network: cost \"log-likelihood\" needs a softmax output layer, but the last layer, %s on line %d, has %s" ..
           " (give it act = \"softmax\", or use cost = \"quadratic\")", last.what, last.line, has)
  end
  if net.cost == "cross-entropy" and lact ~= "sigmoid" then
    err.at(net.line, "network: cost \"cross-entropy\" needs a sigmoid output layer, but the last layer, %s on line %d, has %s" ..
           " (give it act = \"sigmoid\", or use cost = \"quadratic\")", last.what, last.line, has)
  end
end

return M
