-- cnngen.lua: the generator's entry points, called by the C host.
--   generate(desc, opts) -> { h = ..., c = ..., unit = ..., arch_hash = ... }
--   info(desc, opts)     -> text of the layer table
--   describe(desc, opts) -> net record (resolved), for the runner
--   check_name(name)     -> nothing, or a user error (--name)
-- `desc` is what the sandboxed description returned, copied as plain data;
-- opts.chunk names the file for messages, opts.last_line is its last line.
local err = require("err")
local dsl = require("dsl")
local check = require("check")
local shape = require("shape")
local emit = require("emit")

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
  o.unroll = o.unroll or (o.backend == "tcc" and "kernel" or "none")
  if not UNROLLS[o.unroll] then err.plain("--unroll must be none, kernel or full, not %q", o.unroll) end
  o.mode = o.mode or "train"
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
  o.options = string.format("--real %s --unroll %s%s%s", o.real, o.unroll, o.fast_exp and "" or (o.real == "float" and " (libm e^x, for tcc)" or ""),
                            o.mode == "inference" and " --inference" or "")
  return o
end

function M.generate(desc, opts)
  local net = M.resolve(desc, opts)
  local o = normalize(net, opts)
  if o.mode == "inference" then
    -- load_weights (from the C host) checks the file against the layout
    o.weights, o.weights_hash = o.load_weights(o.weights_path, net.param_count,
                                               shape.fnv1a(shape.arch_text(net)), o.real)
    o.weights_source = o.weights_path
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
-- options, real, work_bytes, weights_bytes }, generated with stand-in
-- weights (no file needed): a fixed pattern of ordinary values, so the
-- compiler folds nothing that trained weights would not let it fold.
function M.info(desc, opts)
  local net = M.resolve(desc, opts)
  opts.stand_in_weights = true
  local o = normalize(net, opts)
  local rsize = o.real == "double" and 8 or 4
  local lines = {}
  local function add(fmt, ...) lines[#lines + 1] = string.format(fmt, ...) end
  local function commas(n)
    local s = tostring(n)
    local r = s:reverse():gsub("(%d%d%d)", "%1,"):reverse()
    return (r:gsub("^,", ""))
  end
  add("%s: input [%d][%d][%d], cost %s, %s", net.name, net.input[1], net.input[2], net.input[3], net.cost, o.real)
  add("%-3s %-8s %-16s %12s %14s %14s %12s", "#", "kind", "output", "params", "fwd MACs", "bwd MACs", "work bytes")
  local tp, tf, tb, tw = 0, 0, 0, 0
  for _, L in ipairs(net.layers) do
    local wb = 0
    for _, f in ipairs(shape.layer_work(L, o.mode, o.unroll, o.real, 1)) do
      wb = wb + shape.field_bytes(f, o.real)
    end
    local np = L.wcount + L.bcount
    add("%-3d %-8s %-16s %12s %14s %14s %12s", L.index, L.kind,
        shape.shape_text(L.out),
        commas(np), commas(L.macs_fwd), commas(L.macs_bwd), commas(wb))
    tp, tf, tb, tw = tp + np, tf + L.macs_fwd, tb + L.macs_bwd, tw + wb
  end
  add("%-3s %-8s %-16s %12s %14s %14s %12s", "", "total", "", commas(tp), commas(tf), commas(tb), commas(tw))
  add("parameters: %s (%s bytes); per sample: %s MACs forward, %s MACs forward+backward",
      commas(tp), commas(tp * rsize), commas(tf), commas(tf + tb))
  local measure
  if o.mode == "inference" then
    o.weights, o.weights_hash = {}, "-"
    o.weights_source = "stand-in weights of cnngen info"
    for k = 1, net.param_count do o.weights[k] = ((k * 7919) % 255 - 127) / 512 end
    local out = emit.generate(net, o)
    measure = { c = out.c, h = out.h, name = o.name, header_name = o.header_name, c_name = o.c_name,
                options = o.options, real = o.real, work_bytes = tw, weights_bytes = tp * rsize }
  end
  return table.concat(lines, "\n") .. "\n", measure
end

return M
