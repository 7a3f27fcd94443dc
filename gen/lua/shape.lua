-- shape.lua: shapes, parameter offsets, work-struct layout and operation
-- counts of a checked network.  Feeds the emitter and `cnngen info`.
--
-- After resolve(net), each layer L has:
--   index, out {c,h,w}, n_in, n_out, wcount, bcount, woff, boff, fan_in,
--   src ("x" for layer 1, else "w->a<l-1>"), propagate (δ^{l-1} needed),
--   prev, next (the layers below and above, nil at the ends),
--   is_output, delta_given (δ^L computed by the cost), store_z,
--   macs_fwd, macs_bwd
-- and net has in_size, out_size, param_count, macs_fwd, macs_bwd.
local err = require("err")
local registry = require("registry")

local M = {}

local MAX_PARAMS = 2^31 - 1
local MAX_WORK = 2^28          -- reals in the work struct

function M.resolve(net)
  local s = net.input
  local off, n = 0, #net.layers
  net.macs_fwd, net.macs_bwd = 0, 0
  for i, L in ipairs(net.layers) do
    local kind = registry.of(L)
    L.inshape = s
    kind.resolve(L, s)
    L.src = i == 1 and "x" or ("w->a" .. (i - 1))
    L.prev, L.next = net.layers[i - 1], net.layers[i + 1]
    L.propagate = i > 1
    L.is_output = i == n
    L.woff = off
    off = off + L.wcount
    L.boff = off
    off = off + L.bcount
    if off > MAX_PARAMS then
      err.at(L.line, "%s: the network has more than %d parameters", L.what, MAX_PARAMS)
    end
    kind.place(L)
    s = L.out
  end
  local last = net.layers[n]
  last.delta_given = registry.of(last).cost_gives_delta(last)
  last.store_z = net.cost == "log-likelihood" or net.cost == "cross-entropy" or last.act == "softmax"
  net.in_size = net.input[1] * net.input[2] * net.input[3]
  net.out_size = last.n_out
  net.out_shape = last.out
  net.param_count = off
  for _, L in ipairs(net.layers) do
    net.macs_fwd = net.macs_fwd + L.macs_fwd
    net.macs_bwd = net.macs_bwd + L.macs_bwd
  end
  local total, gen = 0, M.generation(net, { mode = "train", unroll = "none", real = "float" }, nil, 1)
  for _, L in ipairs(net.layers) do
    for _, f in ipairs(registry.of(L).work(L, gen)) do total = total + f.count end
  end
  if total > MAX_WORK then
    err.at(net.line, "network: the activations need %d values per sample, more than cnngen's limit of %d",
           total, MAX_WORK)
  end
  return net
end

-- dropped(L) -> nil, or what of its input no window of L reaches, from
-- L.drop = {rows, cols} (set by resolve; the output size rounds down, as
-- PyTorch's): "the last row and the last 2 columns"
function M.dropped(L)
  local parts = {}
  for _, d in ipairs({ { L.drop and L.drop[1] or 0, "row" }, { L.drop and L.drop[2] or 0, "column" } }) do
    if d[1] == 1 then parts[#parts + 1] = "the last " .. d[2]
    elseif d[1] > 1 then parts[#parts + 1] = string.format("the last %d %ss", d[1], d[2]) end
  end
  return #parts > 0 and table.concat(parts, " and ") or nil
end

-- for_inference(net) -> net without the layers that are the identity at
-- inference (their kind's identity_at_inference: dropout), resolved anew
-- from their checked fields (the layers keep their `what`, so messages name
-- them as the description numbers them); net itself when it has none
function M.for_inference(net)
  local keep = {}
  for _, L in ipairs(net.layers) do
    local kind = registry.of(L)
    if not kind.identity_at_inference(L) then
      local c = { kind = L.kind, line = L.line, what = L.what, index = #keep + 1 }
      for k in pairs(kind.schema) do c[k] = L[k] end
      keep[#keep + 1] = c
    end
  end
  if #keep == #net.layers then return net end
  local copy = {}
  for _, k in ipairs({ "name", "line", "input", "cost", "cost_defaulted", "train" }) do copy[k] = net[k] end
  copy.layers = keep
  return M.resolve(copy)
end

-- shape_text({c, h, w}) -> "[c][h][w]", or "[n]" for a dense output
function M.shape_text(s)
  if s[2] == 1 and s[3] == 1 then return string.format("[%d]", s[1]) end
  return string.format("[%d][%d][%d]", s[1], s[2], s[3])
end

-- field_bytes(f, real) -> bytes of one work-struct field
function M.field_bytes(f, real)
  local t = f.type or real
  local size = (t == "double" and 8) or (t == "unsigned short" and 2) or
               ((t == "unsigned char" or t == "signed char") and 1) or 4
  return f.count * size
end

-- generation(net, opts, plan, chunk) -> gen: what one generation's layer
-- modules see of its options (the layer records stay as resolve left them,
-- so that one resolved net can be generated in several forms):
--   mode ("train"|"inference"), unroll ("none"|"kernel"|"full"), real,
--   chunk (the samples the work struct holds), q8 (int8 code), plan
--   (quant.plan, for int8 code)
function M.generation(net, opts, plan, chunk)
  local gen = { mode = opts.mode or "train", unroll = opts.unroll or "none", real = opts.real or "float",
                q8 = opts.quantize ~= nil, plan = plan }
  gen.chunk = chunk or M.chunk(net, opts)
  return gen
end

-- chunk(net, opts) -> the samples the work struct holds.  Inference: 1.
-- Training: the mini-batch the code will take (opts.batch: run's and
-- bench's --batch; else the description's), so that a mini-batch is one
-- chunk, at most 32 and at most what fits 8 MB of per-sample work;
-- opts.chunk_size (--chunk) overrides it.  A batch of exactly the chunk
-- (at most 10) takes the fused step: nielsen1 trained at --batch 5 runs
-- 1.9x faster with a chunk of 5 than of its description's 10, at
-- --batch 64 1.27x faster with a chunk of 32.
function M.chunk(net, opts)
  if opts.mode == "inference" then return 1 end
  if opts.chunk_size then return opts.chunk_size end
  local per_sample, gen = 0, M.generation(net, opts, nil, 1)
  for _, L in ipairs(net.layers) do
    for _, f in ipairs(M.layer_work(L, gen)) do
      if not f.scratch then per_sample = per_sample + M.field_bytes(f, opts.real) end
    end
  end
  local n = math.min(opts.batch or net.train.batch or 10, 32)
  while n > 1 and n * per_sample > 8 * 2^20 do n = n - 1 end
  return n
end

-- layer_work(L, gen) -> L's work-struct fields (a per_chunk scratch field
-- holds gen.chunk times its count), each followed by padding to a
-- multiple of 64 bytes where it needs it, so that every array starts on a
-- cache line (given a 64-byte aligned struct): unaligned vector loads
-- measured up to 1.4x slower in the conv loops
function M.layer_work(L, gen)
  local fields, chunk = registry.of(L).work(L, gen), gen.chunk
  for _, f in ipairs(fields) do
    if f.per_chunk and chunk > 1 then
      f.count = f.count * chunk
      f.comment = f.comment .. string.format(", for each of the %d samples", chunk)
    end
  end
  return M.padded(fields, gen.real)
end

-- padded(fields, real) -> the fields, each followed by padding to a
-- multiple of 64 bytes where it needs it (layer_work says why)
function M.padded(fields, real)
  local out = {}
  for _, f in ipairs(fields) do
    out[#out + 1] = f
    local rest = M.field_bytes(f, real) % 64
    if rest ~= 0 then
      out[#out + 1] = { name = "pad_" .. f.name, count = 64 - rest, type = "unsigned char", layer = f.layer,
                        scratch = f.scratch, comment = "(to 64 bytes: the next array starts on a cache line)" }
    end
  end
  return out
end

-- work(net, gen) -> list of fields for the work struct, in layer order
function M.work(net, gen)
  local fields = {}
  for _, L in ipairs(net.layers) do
    for _, f in ipairs(M.layer_work(L, gen)) do fields[#fields + 1] = f end
  end
  return fields
end

-- An architecture hash: two networks with the same hash have the same
-- parameter layout (kinds, shapes, activations).  64-bit FNV-1a over a
-- canonical text, as 16 hex digits.
-- Layers that are the identity at inference (dropout) change no layout and
-- are left out, so weights trained with them load into the net without.
function M.arch_text(net)
  local t = { string.format("input %d %d %d", net.input[1], net.input[2], net.input[3]) }
  for _, L in ipairs(net.layers) do
    if not registry.of(L).identity_at_inference(L) then
      t[#t + 1] = string.format("%s %s %d %d %s", L.kind, L.desc, L.wcount, L.bcount, L.act or "")
    end
  end
  return table.concat(t, "\n")
end

-- fnv1a(text) -> 16 hex digits: the C host's one 64-bit FNV-1a
-- (runtime/hash.c), so the weights file's arch hash and the code's agree
M.fnv1a = require("native").fnv1a

return M
