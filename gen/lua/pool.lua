-- pool.lua: what the pooling kinds share (layer/maxpool.lua, ...): their
-- fields, the window rule and the window's offsets.
--   <kind> { size = k | {kh, kw}, stride = s | {sh, sw} }   (stride = size by default)
local err = require("err")
local cfmt = require("cfmt")

local M = {}

function M.schema()
  return {
    size   = { type = "pair", required = true },
    stride = { type = "pair", default = function(f) return f.size end },
  }
end

-- resolve(L, s): the windows over the input s = {c, h, w}: L.c, h, w, kh,
-- kw, sh, sw, oh, ow, out, n_in, n_out, and no parameters.  As many windows
-- as fit, oh = floor((h - kh)/sh) + 1 (PyTorch's rule, ceil_mode=False):
-- the last L.drop[1] rows and L.drop[2] columns, which no window reaches,
-- are dropped (their δ is 0)
function M.resolve(L, s)
  L.c, L.h, L.w = s[1], s[2], s[3]
  L.kh, L.kw = L.size[1], L.size[2]
  L.sh, L.sw = L.stride[1], L.stride[2]
  if L.kh > L.h or L.kw > L.w then
    err.at(L.line, "%s: pool %dx%d is larger than its input %dx%d; use a size of at most %dx%d, or remove the layer",
           L.what, L.kh, L.kw, L.h, L.w, L.h, L.w)
  end
  L.oh = (L.h - L.kh) // L.sh + 1
  L.ow = (L.w - L.kw) // L.sw + 1
  L.drop = { L.h - ((L.oh - 1) * L.sh + L.kh), L.w - ((L.ow - 1) * L.sw + L.kw) }
  L.out = { L.c, L.oh, L.ow }
  L.wcount, L.bcount, L.fan_in = 0, 0, 0
  L.n_in, L.n_out = L.c * L.h * L.w, L.c * L.oh * L.ow
  L.macs_fwd, L.macs_bwd = 0, 0
  L.wlayout = ""
end

-- desc(L, kind) -> the layer's line in the generated code: "<kind> 2x2,
-- stride 2: [..] -> [..] (no w, b)", and what it drops
function M.desc(L, kind)
  local drops = require("shape").dropped(L)
  return string.format("%s %dx%d, stride %s: [%d][%d][%d] -> [%d][%d][%d] (no w, b%s)", kind,
    L.kh, L.kw, L.sh == L.sw and tostring(L.sh) or (L.sh .. "x" .. L.sw), L.c, L.h, L.w, L.c, L.oh, L.ow,
    drops and ("; drops " .. drops) or "")
end

-- work(L, gen, of) -> the fields every pooling kind has: a^l (`of`: "max"
-- or "mean", of each pool) and, training, ∂C/∂a^l
function M.work(L, gen, of)
  local k, f = L.index, {}
  f[#f + 1] = { name = "a" .. k, count = L.n_out,
                comment = string.format("a^%d = %s of each pool  [%d][%d][%d]  %s", k, of, L.c, L.oh, L.ow, L.kind) }
  if gen.mode == "train" then
    f[#f + 1] = { name = "d" .. k, count = L.n_out, comment = string.format("∂C/∂a^%d", k) }
  end
  return f
end

-- env(L, env): sy(v), sx(v) (the input row/column a window starts at) and
-- offsets(first): the window's offsets i*w + j in visiting order (rows top
-- to bottom, each left to right), the first one (0) left out unless first
function M.env(L, env)
  function env.sy(v) return cfmt.mul(L.sh, v) end
  function env.sx(v) return cfmt.mul(L.sw, v) end
  function env.offsets(first)
    local offs = {}
    for i = 0, L.kh - 1 do
      for j = 0, L.kw - 1 do
        if first or i + j > 0 then offs[#offs + 1] = i * L.w + j end
      end
    end
    return offs
  end
end

return M
