-- layer/avgpool.lua: the average-pooling layer.
--   avgpool { size = k | {kh, kw}, stride = s | {sh, sw} }   (stride = size by default)
-- a^l is the mean of each window; the backward pass spreads ∂C/∂a^l equally
-- over the window (overlapping windows add up).  Pools have no w, b.
local err = require("err")
local cfmt = require("cfmt")
local pool = require("pool")

local M = {}

M.example = "avgpool { size = 2 }"

M.schema = pool.schema()

function M.resolve(L, s)
  pool.resolve(L, s)
  L.desc = pool.desc(L, "avgpool")
  L.window = L.kh * L.kw
  -- every input unit in exactly one window (stride = size, no row or
  -- column dropped): the backward writes ∂C/∂a^{l-1} once, with no zeroing
  -- and no sums
  L.tiles = L.sh == L.kh and L.sw == L.kw and L.drop[1] == 0 and L.drop[2] == 0
end

-- Forms: forward "loops" (constant bounds, for an optimizing compiler, and
-- the int8 code's real tensors), "offsets" (straight-line: each window a sum
-- at constant offsets) or "int8" (the int8 input summed in an int, then
-- requantized).  Backward, none on the input (no δ to propagate); for an
-- optimizing compiler "tiles" (windows that tile the input: each unit
-- written once) or "gather" (windows that overlap or leave gaps: each unit
-- gathers the shares of the windows over it; spreading window by window
-- stores to places the next window loads from: 3x3 windows at stride 1
-- over 8 maps of 10x10, gcc -O3, measured 2.5 µs, gathered 0.49 µs);
-- straight-line "offsets" (each window's share added at constant offsets).
-- Windows that drop rows or columns (pool.resolve) do not tile: the units
-- no window reaches keep ∂C/∂a^{l-1} = 0 from the zeroing.
function M.forms(L, gen)
  local f = {}
  if gen.q8 and gen.plan.layer[L.index] then
    f.forward = "int8"
  else
    f.forward = gen.unroll == "none" and "loops" or "offsets"
  end
  if gen.mode ~= "train" or not L.propagate then
    f.backward = false
  elseif gen.unroll == "none" then
    f.backward = L.tiles and "tiles" or "gather"
  else
    f.backward = "offsets"
  end
  return f
end

-- int8: the mean of clipped values is not the clipped mean, so the pool
-- cannot take the scale of a later tensor as a max-pool does: its input is
-- calibrated on its own and its int8 form requantizes
function M.int8() return "requantize" end

function M.work(L, gen) return pool.work(L, gen, "mean") end

function M.env(L, gen, env)
  pool.env(L, env)
  env.zero = env.num.lit(0)
  env.inv = env.lit(1 / L.window)                 -- 1/|window|, a literal
  env.cw = L.w - L.drop[2]                        -- the columns some window reaches
  -- window_mean(indent, dest, v): dest = the mean of the window's values
  -- v[offset], its sum a balanced tree (short chains of dependent
  -- additions under tcc), times 1/|window|
  function env.window_mean(indent, dest, v)
    local terms, lines = {}, {}
    for _, o in ipairs(env.offsets(true)) do terms[#terms + 1] = string.format("%s[%d]", v, o) end
    cfmt.wrap_sum(lines, indent, string.format("%s = (%s) * %s;", dest, cfmt.tree_sum(terms), env.inv))
    return table.concat(lines, "\n")
  end
  -- spread(indent, d, v): d[offset] = v (windows that tile) or += v, for
  -- each of the window's offsets
  function env.spread(indent, d, v)
    local stmts = {}
    for _, o in ipairs(env.offsets(true)) do
      stmts[#stmts + 1] = string.format("%s[%d] %s %s;", d, o, L.tiles and "=" or "+=", v)
    end
    return cfmt.wrap(stmts, indent, 110)
  end
  if gen.q8 and env.q then
    -- the int8 form: q(a^l) = round(Σ q(a^{l-1}) · s_in / (|window| · s_out)),
    -- the sum an int
    local q = env.q
    if L.window * q.input.qmax > 2^31 - 1 then
      err.at(L.line, "%s: cannot be quantized: the int sum of a %dx%d window of %s values could pass a 32-bit int",
             L.what, L.kh, L.kw, q.input.type)
    end
    env.requant = env.lit(q.input.scale / (L.window * q.output.scale))
  end
end

return M
