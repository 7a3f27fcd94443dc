-- layer/maxpool.lua: the max-pooling layer.
--   maxpool { size = k | {kh, kw}, stride = s | {sh, sw} }   (stride = size by default)
-- The forward pass records each pool's winner (the pool mask, m<l>); the
-- backward pass routes δ through it alone.  Pools have no w, b.
local err = require("err")
local cfmt = require("cfmt")

-- (required when called: registry.lua requires this module)
local function registry() return require("registry") end

local M = {}

M.example = "maxpool { size = 2 }"

M.schema = {
  size   = { type = "pair", required = true },
  stride = { type = "pair", default = function(f) return f.size end },
}

-- as the output layer: the cost gives ∂C/∂a^L, routed back by the mask
function M.cost_gives_delta() return false end

function M.resolve(L, s)
  L.c, L.h, L.w = s[1], s[2], s[3]
  L.kh, L.kw = L.size[1], L.size[2]
  L.sh, L.sw = L.stride[1], L.stride[2]
  if L.kh > L.h or L.kw > L.w then
    err.at(L.line, "%s: pool %dx%d is larger than its input %dx%d; use a size of at most %dx%d, or remove the layer",
           L.what, L.kh, L.kw, L.h, L.w, L.h, L.w)
  end
  for _, d in ipairs({ { "rows", L.h, L.kh, L.sh }, { "columns", L.w, L.kw, L.sw } }) do
    local what, n, k, st = d[1], d[2], d[3], d[4]
    if (n - k) % st ~= 0 then
      err.at(L.line, "%s: pools of %d with stride %d run past the input's %d %s " ..
             "(need (%d - %d) divisible by %d; pad the layer below or change size/stride)",
             L.what, k, st, n, what, n, k, st)
    end
  end
  L.oh = (L.h - L.kh) // L.sh + 1
  L.ow = (L.w - L.kw) // L.sw + 1
  L.out = { L.c, L.oh, L.ow }
  L.wcount, L.bcount, L.fan_in = 0, 0, 0
  L.n_in, L.n_out = L.c * L.h * L.w, L.c * L.oh * L.ow
  L.macs_fwd, L.macs_bwd = 0, 0
  L.mask_type = L.n_in < 65536 and "unsigned short" or "unsigned int"
  L.desc = string.format("maxpool %dx%d, stride %s: [%d][%d][%d] -> [%d][%d][%d] (no w, b)",
    L.kh, L.kw, L.sh == L.sw and tostring(L.sh) or (L.sh .. "x" .. L.sw), L.c, L.h, L.w, L.c, L.oh, L.ow)
  L.wlayout = ""
end

-- Forms: forward "loops" (for an optimizing compiler, and the int8 code,
-- which runs it on int8 values) or "offsets" (straight-line: each window
-- tap a constant offset); backward "scatter" (δ to the winners through
-- the mask), or none: on the input (no δ to propagate), or when the layer
-- below does it (conv's pooled forms)
function M.forms(L, gen)
  local below = L.prev
  local done_below = below ~= nil and registry().of(below).does_backward_of_next(below, gen)
  return { forward = gen.unroll == "none" and "loops" or "offsets",
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
  local k, f, mode = L.index, {}, gen.mode
  f[#f + 1] = { name = "a" .. k, count = L.n_out,
                comment = string.format("a^%d = max of each pool  [%d][%d][%d]  maxpool", k, L.c, L.oh, L.ow) }
  if mode == "train" then
    f[#f + 1] = { name = "d" .. k, count = L.n_out, comment = string.format("∂C/∂a^%d", k) }
    f[#f + 1] = { name = "m" .. k, count = L.n_out, type = L.mask_type,
                  comment = string.format("pool mask: index in a^%d of each pool's winner", k - 1) }
  end
  return f
end

function M.env(L, gen, env)
  function env.sy(v) return cfmt.mul(L.sh, v) end
  function env.sx(v) return cfmt.mul(L.sw, v) end
  env.zero = env.num.lit(0)
  -- window offsets (i*w + j) in visiting order, the first one excluded
  local offs = {}
  for i = 0, L.kh - 1 do
    for j = 0, L.kw - 1 do
      if i + j > 0 then offs[#offs + 1] = i * L.w + j end
    end
  end
  env.offs = offs
end

return M
