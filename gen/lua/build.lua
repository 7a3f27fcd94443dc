-- build.lua: the C host's one call into the generator (gen/net.c).
--
--   build(desc, opts) -> result
--     desc  what the description returned, as plain data (the description
--           ran once, in the sandbox)
--     opts  generate's opts (name, real, unroll, mode, chunk_size, quantize,
--           calibration, ranges, weights_path, load_weights, source, chunk,
--           last_line, source_hash, header_name, c_name) and
--           forms = { b1, b2, ... }: one form of the code for each backend
--             named, "tcc" or "cc" (each has its own default --unroll and
--             e^x), or false (none named: emit without --backend);
--           info = true: `cnngen info`'s table instead of code
--   more(result, backend) -> one more form of result's net, appended to
--     result.forms (the tiered backend needs its tcc form only when the cc
--     build is not cached)
--
-- result: what the net is, whatever the form:
--   name, cost, arch_hash, param_count, in_size, out_size, input,
--   macs_fwd, macs_bwd (per sample), train (the description's train{}
--   with the defaults of dsl.train_schema: the only place they are
--   written), layers = { { kind, index, woff, wcount, boff, bcount, act, desc,
--   inshape, out, kh, kw, macs_fwd, macs_bwd }, ... }; with opts.with_info,
--   info = `cnngen info`'s table of the training code;
--   and forms[i] = generate's result ({ unit, c, h, ... }) for opts.forms[i].
-- With opts.info: { info = text, measure = measure } (cnngen.info's).
--
-- The description is resolved once; each form is generated from a fresh
-- copy of the resolved layer records, so that what generating one form
-- writes into them (a layer's choice of local arrays for its chunk) cannot
-- reach another.
local M = {}

-- a copy of net with fresh layer records (their links to one another
-- follow them)
local function fresh(net)
  local copy, map = {}, {}
  for k, v in pairs(net) do copy[k] = v end
  copy.layers = {}
  for i, L in ipairs(net.layers) do
    local c = {}
    for k, v in pairs(L) do c[k] = v end
    copy.layers[i], map[L] = c, c
  end
  for _, c in ipairs(copy.layers) do
    for k, v in pairs(c) do
      if map[v] then c[k] = map[v] end
    end
  end
  return copy
end

-- the form of r's net for backend (false: none named)
local function form(r, backend)
  local cnngen = require("cnngen")   -- loaded by now: it requires this module
  local o = {}
  for k, v in pairs(r.opts) do o[k] = v end
  o.forms, o.backend = nil, backend or nil
  return cnngen.generate_resolved(fresh(r.net), o)
end

function M.build(desc, opts)
  local cnngen = require("cnngen")
  if opts.info then
    local text, measure = cnngen.info(desc, opts)
    return { info = text, measure = measure }
  end
  local net = cnngen.resolve(desc, opts)
  local r = { net = net, opts = opts, forms = {}, layers = {} }
  for i, backend in ipairs(opts.forms) do r.forms[i] = form(r, backend) end
  local first = r.forms[1]
  r.name, r.arch_hash, r.cost, r.train = first.name, first.arch_hash, first.cost, first.train
  r.param_count, r.in_size, r.out_size, r.input = first.param_count, first.in_size, first.out_size, first.input
  r.macs_fwd, r.macs_bwd = net.macs_fwd, net.macs_bwd
  for i, L in ipairs(net.layers) do
    r.layers[i] = { kind = L.kind, index = L.index, woff = L.woff, wcount = L.wcount,
                    boff = L.boff, bcount = L.bcount, act = L.act, desc = L.desc,
                    inshape = L.inshape, out = L.out, kh = L.kh, kw = L.kw,
                    macs_fwd = L.macs_fwd, macs_bwd = L.macs_bwd }
  end
  if opts.with_info then
    -- `cnngen info`'s table of the training code, for a report: from the
    -- same resolved net (the description does not run again)
    local o = {}
    for k, v in pairs(opts) do o[k] = v end
    o.forms, o.with_info, o.mode, o.quantize, o.calibration = nil, nil, nil, nil, nil
    o.weights_path, o.activations, o.ranges = nil, nil, nil
    r.info = cnngen.info_resolved(fresh(net), o)
  end
  return r
end

function M.more(r, backend)
  local out = form(r, backend)
  r.forms[#r.forms + 1] = out
  return out
end

return M
