-- cnngen.lua: the generator's entry points, called by the C host.
--   build(desc, opts)    -> every command's one call (build.lua): the net
--                           resolved once, the code of each form asked for
--   resolve(desc, opts)  -> net record (checked and shaped)
--   generate(desc, opts) -> { h = ..., c = ..., unit = ..., arch_hash = ... }
--   generate_resolved(net, opts) -> the same, from a resolved net
--   info(desc, opts)     -> text of the layer table (and the code to measure)
--   info_resolved(net, opts) -> the same, from a resolved net
--   check_name(name)     -> nothing, or a user error (--name)
-- `desc` is what the sandboxed description returned, copied as plain data;
-- opts.chunk names the file for messages, opts.last_line is its last line.
local err = require("err")
local dsl = require("dsl")
local check = require("check")
local shape = require("shape")
local emit = require("emit")
local quant = require("quant")

local M = {}

local UNROLLS = { none = true, kernel = true, full = true }

-- resolve(desc, opts) -> net: checked and shaped
function M.resolve(desc, opts)
  err.chunk = opts.chunk or "?"
  local net = dsl.network(desc, opts.last_line or 1)
  check.network(net)
  shape.resolve(net)
  if net.param_count == 0 then
    err.at(net.line, "network: no layer has parameters (add a conv or dense layer)")
  end
  return net
end

-- check_name(name): --name NAME must follow the rule a description's
-- name follows (check.name_problem); a user error if not
function M.check_name(name)
  local bad = check.name_problem(name)
  if bad then err.plain("--name %q is not a C identifier (%s)", tostring(name), bad) end
end

local function normalize(net, opts)
  local o = {}
  for k, v in pairs(opts) do o[k] = v end
  o.name = o.name or net.name
  M.check_name(o.name)
  o.real = o.real or "float"
  if o.real ~= "float" and o.real ~= "double" then err.plain("--real must be float or double, not %q", o.real) end
  -- The default is what measured fastest (README, "Performance"): loops
  -- for an optimizing compiler, straight-line code for tcc.
  o.unroll = o.unroll or ((o.backend == "tcc" and not o.quantize) and "kernel" or "none")
  if not UNROLLS[o.unroll] then err.plain("--unroll must be none, kernel or full, not %q", o.unroll) end
  o.mode = o.mode or "train"
  if o.quantize then
    -- the CLI refuses these first, with its own messages; in-process callers get them here
    if o.quantize ~= "int8" then err.plain("--quantize must be int8, not %q", tostring(o.quantize)) end
    if o.mode ~= "inference" then err.plain("--quantize int8 quantizes inference code: add --inference") end
    if o.unroll ~= "none" then
      err.plain("--quantize int8 has one loop form, --unroll none (not %s)", o.unroll)
    end
  end
  -- e^x for float sigmoid: a polynomial an optimizing compiler vectorizes
  -- (10x faster than expf under gcc -O3, as accurate), but 7x slower than
  -- libm's expf under tcc, which does not optimize: libm there
  if o.fast_exp == nil then o.fast_exp = o.real == "float" and o.backend ~= "tcc" end
  if o.mode == "inference" and not o.weights_path and not o.stand_in_weights then
    err.plain("--inference needs --weights W: the trained parameters to bake into the code")
  end
  if o.weights_path and o.mode ~= "inference" then
    err.plain("--weights bakes trained parameters into inference code: add --inference")
  end
  o.source = o.source or o.chunk or "?"
  o.source_hash = o.source_hash or "?"
  o.header_name = o.header_name or (o.name .. ".h")
  o.c_name = o.c_name or (o.name .. ".c")
  if o.chunk_size ~= nil then
    -- the CLI refuses these first; in-process callers get them here
    if math.type(o.chunk_size) ~= "integer" or o.chunk_size < 1 then
      err.plain("--chunk must be a whole number of samples, 1 or more, not %s", tostring(o.chunk_size))
    end
    if o.mode == "inference" then err.plain("--chunk sizes training code; inference code holds one sample") end
  end
  -- momentum (train{ momentum } or asked for, as run --momentum does): the
  -- training code gets train_batch_momentum; without it, the code is as it was
  o.momentum = o.mode == "train" and (o.momentum or net.train.momentum > 0) or false
  o.options = string.format("--real %s --unroll %s%s%s%s%s", o.real, o.unroll, o.fast_exp and "" or (o.real == "float" and " (libm e^x, for tcc)" or ""),
                            o.mode == "inference" and " --inference" or "",
                            o.chunk_size and (" --chunk " .. o.chunk_size) or "",
                            o.momentum and " (with train_batch_momentum)" or "")
  if o.quantize then
    o.options = o.options .. " --quantize int8" .. (o.calibration and o.calibration.n > 0 and
                                                     (" --calibrate " .. o.calibration.n) or "")
  end
  return o
end

function M.generate(desc, opts)
  return M.generate_resolved(M.resolve(desc, opts), opts)
end

-- generate_resolved(net, opts): generate's code for a net resolve returned
function M.generate_resolved(net, opts)
  local o = normalize(net, opts)
  -- inference code, and the calibration build its ranges come from, run
  -- without the layers that are the identity at inference (dropout)
  if o.mode == "inference" or o.ranges then net = shape.for_inference(net) end
  if o.mode == "inference" then
    -- load_weights (from the C host) checks the file against the layout
    o.weights, o.weights_hash = o.load_weights(o.weights_path, net.param_count,
                                               shape.fnv1a(shape.arch_text(net)), o.real)
    o.weights_source = o.weights_path
  end
  if o.quantize and not o.calibration then
    error("internal error: --quantize int8 without a calibration", 0)
  end
  local out = emit.generate(net, o)
  out.name = o.name
  out.param_count, out.in_size, out.out_size = net.param_count, net.in_size, net.out_size
  out.input = net.input
  out.train = net.train
  out.cost = net.cost
  return out
end

-- info(desc, opts) -> text, measure
-- With opts.mode == "inference", measure is the inference code to compile
-- for the footprint (cmd_info.c): { c, h, name, header_name, c_name,
-- options, real, work_bytes, weights_bytes, weights_note }, generated with stand-in
-- weights (no file needed): a fixed pattern of ordinary values, so the
-- compiler folds nothing that trained weights would not let it fold.
function M.info(desc, opts)
  return M.info_resolved(M.resolve(desc, opts), opts)
end

-- info_resolved(net, opts): info's text and measure for a resolved net
function M.info_resolved(net, opts)
  opts.stand_in_weights = true
  local o = normalize(net, opts)
  if o.mode == "inference" then net = shape.for_inference(net) end
  local rsize = o.real == "double" and 8 or 4
  if o.mode == "inference" then
    o.weights, o.weights_hash = {}, "-"
    o.weights_source = "stand-in weights of cnngen info"
    for k = 1, net.param_count do o.weights[k] = ((k * 7919) % 255 - 127) / 512 end
  end
  if o.quantize then o.calibration = quant.stand_in(net) end
  local lines = {}
  local function add(fmt, ...) lines[#lines + 1] = string.format(fmt, ...) end
  local function commas(n)
    local s = tostring(n)
    local r = s:reverse():gsub("(%d%d%d)", "%1,"):reverse()
    return (r:gsub("^,", ""))
  end
  add("%s: input [%d][%d][%d], cost %s, %s", net.name, net.input[1], net.input[2], net.input[3], net.cost, o.real)
  add("%-3s %-8s %-16s %12s %14s %14s %12s", "#", "kind", "output", "params", "fwd MACs", "bwd MACs", "work bytes")
  local tp, tf, tb, tw, nb = 0, 0, 0, 0, 0
  local qwork = o.quantize and
    shape.padded(quant.work(net, shape.generation(net, o, quant.plan(net, o), 1)), o.real)
  local gen1 = shape.generation(net, o, nil, 1)
  for _, L in ipairs(net.layers) do
    local wb = 0
    local fields = qwork or shape.layer_work(L, gen1)
    for _, f in ipairs(fields) do
      if not qwork or f.layer == L.index then wb = wb + shape.field_bytes(f, o.real) end
    end
    local np = L.wcount + L.bcount
    add("%-3d %-8s %-16s %12s %14s %14s %12s", L.index, L.kind,
        shape.shape_text(L.out),
        commas(np), commas(L.macs_fwd), commas(L.macs_bwd), commas(wb))
    tp, tf, tb, tw, nb = tp + np, tf + L.macs_fwd, tb + L.macs_bwd, tw + wb, nb + L.bcount
  end
  add("%-3s %-8s %-16s %12s %14s %14s %12s", "", "total", "", commas(tp), commas(tf), commas(tb), commas(tw))
  for _, L in ipairs(net.layers) do
    local drops = shape.dropped(L)
    if drops then
      add("layer %d (%s) drops %s of its input %s, which no window reaches (the output size rounds down," ..
          " as PyTorch's; δ = 0 there)", L.index, L.kind, drops, shape.shape_text(L.inshape))
    end
  end
  local pbytes, int8s = tp * rsize, 0
  if o.quantize then pbytes, int8s = quant.weights_bytes(net, o.real) end
  add("parameters: %s (%s bytes%s); per sample: %s MACs forward, %s MACs forward+backward",
      commas(tp), commas(pbytes), o.quantize and ", int8 weights" or "", commas(tf), commas(tf + tb))
  if o.mode == "train" then
    -- the training work struct holds a chunk of samples (and scratch that
    -- may grow with it): work bytes above are for one sample
    local gen = shape.generation(net, o)
    local chunk, bytes = gen.chunk, 0
    for _, f in ipairs(shape.work(net, gen)) do
      bytes = bytes + shape.field_bytes(f, o.real) * (f.scratch and 1 or chunk)
    end
    add("training work struct: %s bytes, %d samples a chunk (loss_grad takes a mini-batch %d at a time)",
        commas(bytes), chunk, chunk)
  end
  local measure
  if o.mode == "inference" then
    local out = emit.generate(net, o)
    measure = { c = out.c, h = out.h, name = o.name, header_name = o.header_name, c_name = o.c_name,
                options = o.options, real = o.real, work_bytes = tw, weights_bytes = pbytes,
                weights_note = o.quantize and string.format("%s int8 weights, %s %s biases and scales",
                                                            commas(int8s), commas(2 * nb), o.real)
                               or string.format("%s %s", commas(tp), o.real) }
  end
  return table.concat(lines, "\n") .. "\n", measure
end

-- the C host's one call: resolve once, generate each form asked for
local build = require("build")
M.build, M.build_more = build.build, build.more

return M
