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

-- rows_width(L, gen) -> owp, the lanes of a row of pools in the "rows"
-- form (float or double code for an optimizing compiler), or nil where
-- the form does not apply.  owp: ow rounded up to whole vectors (of 16
-- floats or 8 doubles, else of half or a quarter of that), at most 2*ow so
-- that the lanes past a row fall on the next row's pools, which overwrite
-- them; every row but the last takes owp lanes, and the next-to-last's
-- reads and writes must stay in a^(l-1) and a^l.  The loops form
-- vectorizes neither the winners (a ptrdiff_t among floats) nor a row's
-- rest (12 = 8 + 4 pools).  Measured on an AVX-512 Xeon, `cnngen bench`'s
-- max-pool forward rows in the training step, µs a sample: nielsen1 4.5
-- -> 2.8, lenet5 2.1 -> 1.3 and 0.98 -> 0.79, nielsen2 3.2 -> 1.8 and 1.0
-- -> 0.78
local function rows_width(L, gen)
  if gen.unroll ~= "none" or gen.q8 or L.c * L.oh < 2 then return nil end
  local lanes = gen.real == "double" and 8 or 16
  for _, vw in ipairs({ lanes, lanes // 2, lanes // 4 }) do
    local owp = (L.ow + vw - 1) // vw * vw
    local r = L.c * L.oh - 2                                -- the next-to-last row
    local u0 = r // L.oh * L.h * L.w + r % L.oh * L.sh * L.w
    local last_read = u0 + (owp - 1) * L.sw + (L.kh - 1) * L.w + L.kw - 1
    if owp - L.ow <= L.ow and last_read < L.n_in and r * L.ow + owp <= L.n_out then return owp end
  end
  return nil
end

-- Forms: forward "rows" (for an optimizing compiler, float or double
-- code: rows of pools as whole vectors, rows_width above), "loops" (the
-- same where rows does not apply, and the int8 code, which runs it on
-- int8 values) or "offsets" (straight-line: each window tap a constant
-- offset); backward "scatter" (δ to the winners through the mask), or
-- none: on the input (no δ to propagate), or when the layer below does it
-- (conv's pooled forms); infer (training code: forward and predict), the
-- forward's form without the winners, which only the backward reads (gcc
-- vectorizes the loops form then: the max alone)
function M.forms(L, gen)
  local below = L.prev
  local done_below = below ~= nil and registry().of(below).does_backward_of_next(below, gen)
  local forward = gen.unroll ~= "none" and "offsets" or (rows_width(L, gen) and "rows" or "loops")
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
  env.owp = rows_width(L, gen)          -- (the rows form's lanes a row)
end

return M
