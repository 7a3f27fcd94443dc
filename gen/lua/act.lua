-- act.lua: activation functions as C text and as documentation.
-- For each activation:
--   sigma(z)        C expression for a = σ(z)
--   dsigma(a)       C expression for σ'(z), written in terms of a = σ(z),
--                   so the backward pass needs no stored z
--   doc, ddoc       the same, for comments
-- softmax is a whole-layer function; its forward is emitted by the dense
-- layer and its derivative is folded into the cost (BP1).
local M = {}

M.names = { "sigmoid", "tanh", "relu", "linear", "softmax" }

-- bind(name, num) -> activation record for one precision (num from
-- cfmt.context; num.exp and num.tanh, when set, name the e^x and tanh
-- functions sigmoid and tanh call)
function M.bind(name, num)
  local lit, fn = num.lit, num.fn
  local one, zero = lit(1), lit(0)
  local a = { name = name }
  if name == "sigmoid" then
    local exp = num.exp or fn("exp")
    a.sigma = function(z) return one .. " / (" .. one .. " + " .. exp .. "(-" .. z .. "))" end
    a.dsigma = function(x) return x .. " * (" .. one .. " - " .. x .. ")" end
    a.doc, a.ddoc = "σ(z) = 1/(1 + e^−z)", "σ'(z) = a(1 − a)"
  elseif name == "tanh" then
    local tanh = num.tanh or fn("tanh")
    a.sigma = function(z) return tanh .. "(" .. z .. ")" end
    a.dsigma = function(x) return "(" .. one .. " - " .. x .. " * " .. x .. ")" end
    a.doc, a.ddoc = "σ(z) = tanh z", "σ'(z) = 1 − a²"
  elseif name == "relu" then
    a.sigma = function(z) return "(" .. z .. " > " .. zero .. " ? " .. z .. " : " .. zero .. ")" end
    a.dsigma = function(x) return "(" .. x .. " > " .. zero .. " ? " .. one .. " : " .. zero .. ")" end
    a.doc, a.ddoc = "σ(z) = max(0, z)", "σ'(z) = [a > 0]"
  elseif name == "linear" then
    a.sigma = function(z) return z end
    a.dsigma = function() return one end
    a.identity = true
    a.doc, a.ddoc = "σ(z) = z", "σ'(z) = 1"
  elseif name == "softmax" then
    a.softmax = true
    a.doc = "a_j = e^{z_j} / Σ_k e^{z_k}"
    a.ddoc = "(softmax: folded into δ^L by the cost)"
  else
    error("internal error: unknown activation " .. tostring(name), 0)
  end
  -- d_times(d, x): C for d ⊙ σ'(z) given the activation x, simplified
  function a.d_times(d, x)
    if a.identity then return d end
    if name == "relu" then return "(" .. x .. " > " .. zero .. " ? " .. d .. " : " .. zero .. ")" end
    return d .. " * " .. a.dsigma(x)
  end
  return a
end

return M
