-- layer/dense.lua: the fully connected layer.
--   dense { units = n, act = "..." }
-- It reads its input flattened in [channel][row][col] order, which is the
-- order every activation buffer already has.
local err = require("err")
local cfmt = require("cfmt")

local M = {}

M.example = 'dense { units = 100, act = "sigmoid" }'

-- A dense layer runs once for all the samples of a chunk (its functions
-- take the whole work struct and n): each weight is loaded once per chunk,
-- not once per sample.  Other kinds run sample by sample.
M.batched = true

M.schema = {
  units = { type = "posint", required = true },
  act   = { type = "act", default = "sigmoid" },
}

function M.resolve(L, s)
  if L.units > 2^28 then       -- shape.lua's limit; also keeps the counts below from overflowing
    err.at(L.line, "%s: %d units are more than cnngen's limit of %d values per sample", L.what, L.units, 2^28 // 1)
  end
  L.n_in = s[1] * s[2] * s[3]
  L.n_out = L.units
  L.out = { L.units, 1, 1 }
  L.wcount, L.bcount, L.fan_in = L.units * L.n_in, L.units, L.n_in
  L.macs_fwd = L.units * L.n_in
  L.desc = string.format("dense %d, %s: [%d] -> [%d]", L.units, L.act, L.n_in, L.units)
  L.wlayout = string.format("w [%d][%d], b [%d]", L.units, L.n_in, L.units)
end

function M.place(L)
  L.macs_bwd = L.macs_fwd * (L.propagate and 2 or 1)
end

function M.work(L, mode)
  local k, f = L.index, {}
  f[#f + 1] = { name = "a" .. k, count = L.n_out,
                comment = string.format("a^%d = %s(z^%d)   [%d]  dense", k,
                                        L.act == "softmax" and "softmax" or "σ", k, L.units) }
  if L.store_z then
    f[#f + 1] = { name = "z" .. k, count = L.n_out,
                  comment = string.format("z^%d (%s)", k, mode == "train" and "for the cost" or "softmax input") }
  end
  if mode == "train" then
    f[#f + 1] = { name = "d" .. k, count = L.n_out, comment = string.format("∂C/∂a^%d, then δ^%d", k, k) }
  end
  return f
end

function M.env(L, ctx, env)
  env.zero = ctx.num.lit(0)
  env.sw = "w->s[s]."                 -- sample s's fields (softmax.c.tpl)
  -- src(s): a^{l-1} of sample s, flattened (x itself for layer 1)
  function env.src(s)
    if L.src == "x" then return "x + (" .. s .. ")*" .. L.n_in end
    return string.format("w->s[%s].a%d", s, L.index - 1)
  end
  -- the backward's blocks of inputs u (16 at a time, then the rest) and of
  -- units (8 at a time)
  local conv = require("layer.conv")
  env.ublocks16 = conv.blocks(L.n_in, 16)
  env.gblocks = conv.blocks(L.units, 8)
  -- ∂C/∂a^{l-1} takes SBD samples at a time: a divisor of the chunk (no
  -- remainder for a full chunk), at most 8 (measured on nielsen1, chunk 10:
  -- 5 at a time 5% faster than 4 with two left over)
  env.SBD = conv.divisor_at_most(env.chunk, 8)
  -- the forward's blocks of units: 8 at a time (x 2 samples: 16 vector sums;
  -- measured 1.6x faster than 2 x 2 on nielsen1's 2880 -> 100), then the rest
  env.oblocks = conv.blocks(L.units, 8)
  -- unrolled(indent, stmt): stmt for u = 0 .. n_in-1 with $u replaced,
  -- several to a line (--unroll full)
  function env.unrolled(indent, stmt)
    local row = {}
    for u = 0, L.n_in - 1 do row[#row + 1] = (stmt:gsub("%$u", tostring(u))) end
    return cfmt.wrap(row, indent, 110)
  end
  -- dot(indent): z += Σ_u w[u]·a[u] as sums of 8 terms a statement
  function env.dot(indent)
    local lines = {}
    for u0 = 0, L.n_in - 1, 8 do
      local t = {}
      for u = u0, math.min(u0 + 7, L.n_in - 1) do t[#t + 1] = string.format("wo[%d]*in[%d]", u, u) end
      lines[#lines + 1] = indent .. "z += " .. table.concat(t, " + ") .. ";"
    end
    return table.concat(lines, "\n")
  end
end

return M
