-- layer/maxpool.lua: the max-pooling layer.
--   maxpool { size = k | {kh, kw}, stride = s | {sh, sw} }   (stride = size by default)
-- The forward pass records each pool's winner (the pool mask, m<l>); the
-- backward pass routes δ through it alone.  Pools have no w, b.
local pool = require("pool")

-- (required when called: registry.lua requires this module)
local function registry() return require("registry") end

local M = {}

M.example = "maxpool { size = 2 }"

M.schema = pool.schema()

-- as the output layer: the cost gives ∂C/∂a^L, routed back by the mask
function M.cost_gives_delta() return false end

function M.resolve(L, s)
  pool.resolve(L, s)
  L.mask_type = L.n_in < 65536 and "unsigned short" or "unsigned int"
  L.desc = pool.desc(L, "maxpool")
end

-- Forms: forward "loops" (for an optimizing compiler, and the int8 code,
-- which runs it on int8 values) or "offsets" (straight-line: each window
-- tap a constant offset); backward "scatter" (δ to the winners through
-- the mask), or none: on the input (no δ to propagate), or when the layer
-- below does it (conv's pooled forms); infer (training code: forward and
-- predict), the forward's form without the winners, which only the
-- backward reads (gcc vectorizes the loops form then: the max alone)
function M.forms(L, gen)
  local below = L.prev
  local done_below = below ~= nil and registry().of(below).does_backward_of_next(below, gen)
  local forward = gen.unroll == "none" and "loops" or "offsets"
  return { forward = forward, infer = gen.mode == "train" and forward,
           backward = gen.mode == "train" and L.propagate and not done_below and "scatter" }
end

-- δ flows back only to each pool's winner, recorded in m<l>
function M.routes_to_winners() return true end

-- max σ(a) = σ(max a) for a σ that never decreases
function M.commutes_with_monotone() return true end

-- int8: max commutes with the monotone quantizer, max q(a) = q(max a): the
-- pool runs on int8 values in the representation of its output
function M.int8() return "monotone" end

function M.work(L, gen)
  local k, f = L.index, pool.work(L, gen, "max")
  if gen.mode == "train" then
    f[#f + 1] = { name = "m" .. k, count = L.n_out, type = L.mask_type,
                  comment = string.format("pool mask: index in a^%d of each pool's winner", k - 1) }
  end
  return f
end

function M.env(L, gen, env)
  pool.env(L, env)
  env.pass, env.winners = "forward", env.train    -- (the infer templates: "infer", false)
  env.zero = env.num.lit(0)
  env.offs = env.offsets(false)        -- the window's offsets but the first
end

return M
