-- quant.lua: post-training int8 quantization of inference code (--quantize int8).
-- Owns the scheme -- which tensors are int8, their scales, the int8 weights
-- and their per-output scales -- and the generation-time check that the
-- integer sums cannot overflow.  emit.lua renders it through the q8_*
-- templates.
--
-- Tensors are the activations a^t, t = 0..L (a^0 = x).  What becomes of
-- each is the int8 policy of the layer that reads it (its kind's int8()):
--   "weights"     a conv or dense layer: a^t is calibrated (its min and max
--                 over the calibration images give its representation,
--                 M.tensor), the weights quantized, the sums int;
--   "monotone"    a max-pool: a^t has the representation of the layer's
--                 output (max commutes with a monotone quantizer:
--                 max q(a) = q(max a)), so a conv followed by pools writes
--                 its output quantized already, with the scale of the
--                 tensor after the pools, and the pools run on int8 values;
--   "requantize"  a^t is calibrated on its own and the layer computes its
--                 int8 output from it (an average pool: the mean of clipped
--                 values is not the clipped mean, so it cannot inherit a
--                 later scale);
--   "refuse"      --quantize int8 is refused, naming the layer.
-- The tensors after the last conv or dense layer stay real: the output is
-- real, as in the float code.
local err = require("err")
local shape = require("shape")
local registry = require("registry")

local M = {}

M.INT_MAX = 2^31 - 1             -- the sums are C ints, at least 32 bits (checked in the C)

-- round(x): half up, as the generated code rounds
local function round(x) return math.floor(x + 0.5) end

-- tensor(lo, hi) -> the int8 representation of a tensor whose calibrated
-- values lie in [lo, hi]:
--   lo >= 0: unsigned char, q = round(a / s) in [0, 255],    s = hi / 255
--   else:    signed char,   q = round(a / s) in [-127, 127], s = max(|lo|, |hi|) / 127
-- (a zero range gets s = 1: every value is 0).  `round` names the generated
-- function that rounds and clamps, `qmax` the largest |q|.
function M.tensor(lo, hi)
  if lo >= 0 then
    return { type = "unsigned char", round = "q_u8", qmin = 0, qmax = 255, lo = lo, hi = hi,
             scale = hi > 0 and hi / 255 or 1 }
  end
  local m = math.max(-lo, hi)
  return { type = "signed char", round = "q_s8", qmin = -127, qmax = 127, lo = lo, hi = hi, scale = m / 127 }
end

-- sources(net) -> src[t + 1] for t = 0..L: the calibrated tensor whose
-- representation a^t takes (t itself, or a later one), or false (real);
-- a layer whose kind refuses int8 is a user error naming it
local function sources(net)
  local n, src = #net.layers, {}
  src[n + 1] = false
  for t = n - 1, 0, -1 do
    local L = net.layers[t + 1]
    local policy = registry.of(L).int8(L)
    if policy == "weights" then
      src[t + 1] = t
    elseif policy == "monotone" then
      src[t + 1] = src[t + 2]
    elseif policy == "requantize" then
      src[t + 1] = src[t + 2] and t
    else
      err.at(L.line, "%s: --quantize int8 cannot quantize a %s layer (it has no int8 form)", L.what, L.kind)
    end
  end
  return src
end

-- calibrated(net) -> the tensors calibration measures: a list of
-- { t = index, count = values } for every a^t that has a representation of
-- its own (sources)
function M.calibrated(net)
  local list, src = {}, sources(net)
  for t = 0, #net.layers - 1 do
    if src[t + 1] == t then
      list[#list + 1] = { t = t, count = t == 0 and net.in_size or net.layers[t].n_out }
    end
  end
  return list
end

-- row_length(L) -> K, KP: the products in one of layer L's sums, and the
-- length of its rows of int8 weights (its kind's int8_rows: a conv pads
-- them to whole vectors, a dense layer's rows meet its input as they are)
function M.row_length(L)
  return registry.of(L).int8_rows(L)
end

-- weights(W, L) -> q, sw: layer L's weights (from the flat vector W,
-- 1-based) as int8 rows, one per output map or unit:
--   sw[m] = max_k |w[m][k]| / 127,  q[m][k] = round(w[m][k] / sw[m])  in [-127, 127]
-- (an all-zero row gets sw = 1).  q is flat, rows of KP (row_length),
-- zeros past K.
function M.weights(W, L)
  local rows = L.bcount
  local K, KP = M.row_length(L)
  local q, sw = {}, {}
  for m = 0, rows - 1 do
    local base, amax = L.woff + m * K, 0
    for k = 1, K do amax = math.max(amax, math.abs(W[base + k])) end
    local s = amax > 0 and amax / 127 or 1
    sw[m + 1] = s
    for k = 1, K do
      local v = round(W[base + k] / s)
      q[m * KP + k] = math.max(-127, math.min(127, v))
    end
    for k = K + 1, KP do q[m * KP + k] = 0 end
  end
  return q, sw
end

-- plan(net, opts) -> the quantized network:
--   rep[t + 1]  the representation of a^t (M.tensor plus t, the calibrated
--               tensor it is the scale of), or false: real
--   layer[k]    for each layer k that computes in int8: { input, output }
--               (the reps of a^{k-1} and a^k), and for a "weights" layer
--               { K, KP, qw, sw, c, b } (c[m] = s_in · sw[m], b the trained
--               biases)
-- opts.calibration.ranges[t] = { lo = , hi = } for each M.calibrated
-- tensor; opts.weights the float parameters.  A layer whose int sums could
-- overflow is a user error naming it.
function M.plan(net, opts)
  local ranges, W, n = opts.calibration.ranges, opts.weights, #net.layers
  local plan = { rep = {}, layer = {} }
  local rep, src = plan.rep, sources(net)
  rep[n + 1] = false
  for t = n - 1, 0, -1 do
    if src[t + 1] == t then
      local r = ranges[t]
      if not r then error(string.format("internal error: no calibrated range for a^%d", t), 0) end
      if not (r.lo > -math.huge and r.hi < math.huge) then
        err.plain("calibration: a^%d reached %g .. %g on the calibration images: it cannot be quantized",
                  t, r.lo, r.hi)
      end
      rep[t + 1] = M.tensor(r.lo, r.hi)
      rep[t + 1].t = t
    else
      rep[t + 1] = src[t + 1] and rep[src[t + 1] + 1]
    end
  end
  for k, L in ipairs(net.layers) do
    local policy = registry.of(L).int8(L)
    if policy == "weights" then
      local input = rep[k]
      local K, KP = M.row_length(L)
      if K * 127 * input.qmax > M.INT_MAX then
        err.at(L.line, "%s: cannot be quantized: its int sums of %d products of int8 values could " ..
               "reach %.0f, past a 32-bit int (at most %d products with %s inputs)", L.what, K,
               K * 127.0 * input.qmax, M.INT_MAX // (127 * input.qmax), input.type)
      end
      local qw, sw = M.weights(W, L)
      local c, b = {}, {}
      for m = 1, L.bcount do
        c[m] = input.scale * sw[m]
        b[m] = W[L.boff + m]
      end
      plan.layer[k] = { K = K, KP = KP, qw = qw, sw = sw, c = c, b = b, input = input, output = rep[k + 1] }
    elseif policy == "requantize" and rep[k] then
      plan.layer[k] = { input = rep[k], output = rep[k + 1] }
    end
  end
  return plan
end

-- stand_in(net) -> calibration for `cnngen info` (no data): a^0 in [0, 1],
-- each other tensor in [0, 1] after a relu or sigmoid and [-1, 1] else;
-- only the types matter to the footprint
function M.stand_in(net)
  local ranges = {}
  for _, e in ipairs(M.calibrated(net)) do
    local L = net.layers[e.t]
    local unsigned = not L or L.act == "relu" or L.act == "sigmoid" or L.act == "softmax"
    ranges[e.t] = { lo = unsigned and 0 or -1, hi = 1 }
  end
  return { n = 0, data = "none (stand-in ranges of cnngen info)", ranges = ranges }
end

-- work(net, gen) -> the work struct's fields, each with `layer` (the row
-- of `cnngen info` it counts in): q(a^0), then per layer its kind's int8
-- fields (int8_work: a conv's padded input and patches), its output a^k
-- (int8, or real after the last conv/dense layer) and z^k for a softmax
function M.work(net, gen)
  local f, plan, real = {}, gen.plan, gen.real
  local r0 = plan.rep[1]
  f[1] = { name = "a0", count = net.in_size, type = r0.type, layer = 1,
           comment = string.format("q(a^0) = round(x / s), s = %.6g  (int8 input)", r0.scale) }
  for k, L in ipairs(net.layers) do
    local out = plan.rep[k + 1]
    for _, x in ipairs(registry.of(L).int8_work(L, gen)) do f[#f + 1] = x end
    f[#f + 1] = { name = "a" .. k, count = L.n_out, type = out and out.type or real, layer = k,
                  comment = out and string.format("q(a^%d), s = %.6g   %s  %s", k, out.scale,
                                                  shape.shape_text(L.out), L.kind)
                            or string.format("a^%d   %s  %s", k, shape.shape_text(L.out), L.kind) }
    if L.act == "softmax" then
      f[#f + 1] = { name = "z" .. k, count = L.n_out, type = real, layer = k, comment = string.format("z^%d (softmax input)", k) }
    end
  end
  return f
end

-- weights_bytes(net, real) -> bytes of the baked arrays, and how many
-- of them are int8 weights (row_length's rows); per output, a real bias
-- and a real combined scale are the rest
function M.weights_bytes(net, real)
  local rsize, n, n8 = real == "double" and 8 or 4, 0, 0
  for _, L in ipairs(net.layers) do
    if registry.of(L).int8(L) == "weights" then
      local _, KP = M.row_length(L)
      n, n8 = n + L.bcount * (KP + 2 * rsize), n8 + L.bcount * KP
    end
  end
  return n, n8
end

return M
