-- layer/dropout.lua: inverted dropout.
--   dropout { p = 0.5 }   (after a conv, pool or dense layer; never first or last)
-- Training: each unit of the layer below is kept with probability 1 − p
-- and scaled by 1/(1 − p), dropped (0) otherwise; the mask comes from a
-- counter-based generator keyed by (seed, step, sample, layer, unit), so it
-- is the same whatever the chunk, the threads or the backend.  Outside
-- training (forward, predict) it is the identity, and inference code leaves
-- the layer out altogether.  No w, b.
--
-- The draw (docs/design.md, "The generated C (contract)"), mix being
-- splitmix64's finalizer:
--   key_s = mix(mix(mix(seed) ^ step) ^ sample)
--   r     = mix(key_s ^ (layer << 32 | unit))
--   kept  ⇔ (r >> 32) ≥ T,   T = ⌊p · 2^32⌋
local err = require("err")

local M = {}

M.example = "dropout { p = 0.5 }"

M.schema = {
  p = { type = "prob", default = 0.5 },
}

function M.resolve(L, s)
  L.c, L.h, L.w = s[1], s[2], s[3]
  L.out = { L.c, L.h, L.w }
  L.n_in, L.n_out = L.c * L.h * L.w, L.c * L.h * L.w
  L.wcount, L.bcount, L.fan_in = 0, 0, 0
  L.macs_fwd, L.macs_bwd = 0, 0
  L.threshold = math.floor(L.p * 2^32)      -- T: kept ⇔ the draw's high 32 bits ≥ T
  L.desc = string.format("dropout p = %g: [%d][%d][%d] (no w, b)", L.p, L.c, L.h, L.w)
  L.wlayout = ""
  if L.n_out >= 2^32 then   -- (it cannot be: the shapes are limited to 2^28; unit must fit 32 bits)
    err.at(L.line, "%s: %d units are more than the draw's 2^32", L.what, L.n_out)
  end
end

-- One form of each pass whatever --unroll: a loop over the units (the
-- draw's multiplications dominate; unrolling gains nothing).  Backward on
-- every dropout layer (never the first: it always has δ to propagate).
function M.forms(L, gen)
  return { forward = "mask", backward = gen.mode == "train" and L.propagate and "mask" }
end

-- the forward is batched (the sample's index in the call picks its key)
-- and takes the key; the backward is per sample and reads the mask
function M.signature(L, pass)
  if pass == "forward" then
    return { p = false, x = false, g = false, batched = true, key = true, x_name = "x", work_name = "w" }
  end
  return { p = false, x = false, g = false, batched = false, x_name = "x", work_name = "w" }
end

function M.work(L, gen)
  local k, f = L.index, {}
  f[#f + 1] = { name = "a" .. k, count = L.n_out,
                comment = string.format("a^%d = m%d ⊙ a^%d / (1 − p)  dropout", k, k, k - 1) }
  if gen.mode == "train" then
    f[#f + 1] = { name = "m" .. k, count = L.n_out, type = "unsigned char",
                  comment = string.format("dropout mask: 1 where a^%d's unit is kept", k - 1) }
    f[#f + 1] = { name = "d" .. k, count = L.n_out, comment = string.format("∂C/∂a^%d", k) }
  end
  return f
end

-- acts on the layer below for the one above: never first or last
function M.inner() return true end

-- inference code leaves it out: a^l = a^{l-1}
function M.identity_at_inference() return true end

function M.env(L, gen, env)
  env.scale = env.lit(1 / (1 - L.p))            -- 1/(1 − p), a literal
  env.keep = string.format("%.6g", 1 - L.threshold / 2^32)
end

return M
