-- quant.lua: post-training int8 quantization of inference code (--quantize int8).
-- Owns the scheme -- which tensors are int8, their scales, the int8 weights
-- and their per-output scales -- and the generation-time check that the
-- integer sums cannot overflow.  emit.lua renders it through the q8_*
-- templates.
--
-- Tensors are the activations a^t, t = 0..L (a^0 = x).  a^t is calibrated
-- when layer t+1 is a conv or dense layer: its min and max over the
-- calibration images give its representation (M.tensor).  A tensor that a
-- max-pool reads has the representation of the pool's output (max commutes
-- with a monotone quantizer: max q(a) = q(max a)), so a conv followed by
-- pools writes its output quantized already, with the scale of the tensor
-- after the pools, and the pools run on int8 values.  The tensors after the
-- last conv or dense layer stay real: the output is real, as in the float
-- code.
local err = require("err")
local shape = require("shape")
local cfmt = require("cfmt")

local M = {}

M.INT_MAX = 2^31 - 1             -- the sums are C ints, at least 32 bits (checked in the C)
M.PATCH_BYTES = 8192             -- at most this many bytes of patches (q8_conv_forward) ...
M.PATCH_BLOCK = 64               -- ... for at most 64 outputs at a time, at least 16

-- patch_block(L, KP) -> the outputs conv layer L's int8 code computes at a
-- time: as many as PATCH_BYTES of patches hold, 16 to 64 (a multiple of
-- 16), at most the whole plane
function M.patch_block(L, KP)
  local pb = math.min(M.PATCH_BLOCK, math.max(16, M.PATCH_BYTES // KP // 16 * 16))
  return math.min(pb, L.oh * L.ow)
end

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

-- calibrated(net) -> the tensors calibration measures: a list of
-- { t = index, count = values } for every a^t that is a conv or dense
-- layer's input
function M.calibrated(net)
  local list = {}
  for t = 0, #net.layers - 1 do
    if net.layers[t + 1].wcount > 0 then
      list[#list + 1] = { t = t, count = t == 0 and net.in_size or net.layers[t].n_out }
    end
  end
  return list
end

-- row_length(L) -> K, KP: the products in one of layer L's sums, and the
-- length of its rows of int8 weights: a conv's rows (and its patches) are
-- padded with zeros to whole 32-byte vectors (measured with gcc 12 -O3 on
-- AVX-512: 25 -> 32 values ran 2.4x faster, 500 -> 512 2.5x; 16 ran slower
-- than 32), a dense layer's rows meet its input vector as they are
function M.row_length(L)
  local K = L.wcount // L.bcount
  if L.kind ~= "conv" then return K, K end
  return K, math.max(32, (K + 31) // 32 * 32)
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
--   layer[k]    for conv/dense layer k: { K, KP, qw, sw, c, b, input, output }
--               (c[m] = s_in · sw[m], b the trained biases, input/output
--               the reps of a^{k-1} and a^k)
-- opts.calibration.ranges[t] = { lo = , hi = } for each M.calibrated
-- tensor; opts.weights the float parameters.  A layer whose int sums could
-- overflow is a user error naming it.
function M.plan(net, opts)
  local ranges, W, n = opts.calibration.ranges, opts.weights, #net.layers
  local plan = { rep = {}, layer = {} }
  local rep = plan.rep
  rep[n + 1] = false
  for t = n - 1, 0, -1 do
    if net.layers[t + 1].wcount > 0 then
      local r = ranges[t]
      if not r then error(string.format("internal error: no calibrated range for a^%d", t), 0) end
      if not (r.lo > -math.huge and r.hi < math.huge) then
        err.plain("calibration: a^%d reached %g .. %g on the calibration images: it cannot be quantized",
                  t, r.lo, r.hi)
      end
      rep[t + 1] = M.tensor(r.lo, r.hi)
      rep[t + 1].t = t
    else
      rep[t + 1] = rep[t + 2]
    end
  end
  for k, L in ipairs(net.layers) do
    if L.wcount > 0 then
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

-- work(net, plan, real) -> the work struct's fields, each with `layer`
-- (the row of `cnngen info` it counts in): q(a^0), then per layer its
-- padded input (int8), its output a^k (int8, or real after the last
-- conv/dense layer) and z^k for a softmax
function M.work(net, plan, real)
  local f = {}
  local r0 = plan.rep[1]
  f[1] = { name = "a0", count = net.in_size, type = r0.type, layer = 1,
           comment = string.format("q(a^0) = round(x / s), s = %.6g  (int8 input)", r0.scale) }
  for k, L in ipairs(net.layers) do
    local out = plan.rep[k + 1]
    if L.kind == "conv" and L.pad > 0 then
      f[#f + 1] = { name = "x" .. k, count = L.cin * L.H * L.W, type = plan.rep[k].type, layer = k,
                    comment = string.format("q(a^%d) zero-padded [%d][%d][%d]", k - 1, L.cin, L.H, L.W) }
    end
    if L.kind == "conv" then
      local q = plan.layer[k]
      local pb = M.patch_block(L, q.KP)
      f[#f + 1] = { name = "t" .. k, count = pb * q.KP, type = plan.rep[k].type, layer = k,
                    comment = string.format("patches of %d outputs: t%d[o][(c,i,j)] = q(a^%d)[c][%s+i][%s+j], [%d][%d]",
                                            pb, k, k - 1, cfmt.mul(L.sh, "y"), cfmt.mul(L.sw, "x"), pb, q.KP) }
    end
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
    if L.wcount > 0 then
      local _, KP = M.row_length(L)
      n, n8 = n + L.bcount * (KP + 2 * rsize), n8 + L.bcount * KP
    end
  end
  return n, n8
end

return M
