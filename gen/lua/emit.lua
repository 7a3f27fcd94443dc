-- emit.lua: renders the templates for a resolved network and assembles
-- <name>.h, <name>.c and the single translation unit the JIT compiles.
local tpl = require("tpl")
local cfmt = require("cfmt")
local act = require("act")
local registry = require("registry")
local shape = require("shape")
local embedded = require("embedded")
local err = require("err")
local quant = require("quant")

local M = {}

M.VERSION = "cnngen 0.1"

local base = {
  ipairs = ipairs, pairs = pairs, string = string, table = table, math = math,
  tostring = tostring, type = type, cfmt = cfmt, select = select,
}

-- render(name, vars) -> text of templates/<name>, with `vars` and the base
-- names visible; reading an undefined name in a template is an error.
local function render(name, vars)
  local path = "templates/" .. name
  local text = embedded.read(path)
  if not text then error("internal error: no template " .. path, 0) end
  local env = setmetatable({}, { __index = function(_, k)
    local v = vars[k]
    if v == nil then v = base[k] end
    if v == nil then error(string.format("%s: undefined name '%s'", path, tostring(k)), 2) end
    return v
  end })
  return tpl.render(tpl.compile(text, path, env), cfmt.value)
end
M.render = render

-- common(net, opts): the names every template sees
local function common(net, opts)
  local num = cfmt.context(opts.real)
  -- e^x: ours where an optimizing compiler vectorizes it, else libm's;
  -- tanh in float: always ours (measured under tcc: libm's tanhf 26 ns a
  -- value, ours with libm's expf 6 ns)
  if opts.fast_exp then num.exp = opts.name .. "_exp" end
  if opts.real == "float" then num.tanh = opts.name .. "_tanh" end
  return {
    net = net, P = opts.name, PU = opts.name:upper(), real = opts.real,
    lit = num.lit, fn = num.fn, num = num, unroll = opts.unroll,
    train = opts.mode == "train", zero = num.lit(0), one = num.lit(1),
    q8 = opts.quantize ~= nil,
    chunk = shape.chunk(net, opts),
  }
end

-- uses_scratch(L, opts, pass): whether layer L's `pass` function uses the
-- work struct's shared scratch fields (then it takes `ws`, the whole work
-- struct); a field with f.pass set serves that pass alone
local function uses_scratch(L, opts, pass)
  for _, f in ipairs(registry.kinds[L.kind].work(L, opts.mode, opts.unroll)) do
    if f.scratch and (not f.pass or f.pass == pass) then return true end
  end
  return false
end

-- pool_done_below(L, opts): max-pool L's backward is done by the conv
-- layer below it (its pooled form reads the pool's mask and δ itself)
local function pool_done_below(L, opts)
  return L.kind == "maxpool" and L.prev ~= nil and L.prev.kind == "conv"
         and registry.kinds.conv.pooled(L.prev, opts.unroll) ~= nil
end

local function layer_vars(net, L, opts)
  local v = common(net, opts)
  local ctx = { num = v.num }
  v.L, v.l = L, L.index
  v.elem = opts.real                            -- the type of a^(l-1)'s values (int8 ones in q8 code)
  v.done_below = pool_done_below(L, opts)
  v.pooled = L.kind == "conv" and registry.kinds.conv.pooled(L, opts.unroll) or false
  v.chunk = shape.chunk(net, opts)
  v.act = L.act and act.bind(L.act, v.num) or act.bind("linear", v.num)
  -- pool_act: the σ a max-pool applies for the conv below it (see
  -- conv.act_at_pool; float code only); that conv's own code applies none
  v.pool_act = false
  if not v.q8 then
    if L.kind == "conv" and L.act_at_pool then
      v.pool_act, v.act = v.act, act.bind("linear", v.num)
    elseif L.kind == "maxpool" and L.prev and L.prev.act_at_pool then
      v.pool_act = act.bind(L.prev.act, v.num)
    end
  end
  -- where the layer's parameters are: the flat vector p when training,
  -- the baked arrays <P>_l<k>_w / _b in inference code
  local baked = opts.mode == "inference"
  local P, R = opts.name, opts.real
  -- parameter lists: p (unless baked), x (layer 1), then the work: a
  -- batched layer takes the whole struct and the sample count n, the others
  -- one sample's part w (and ws, the whole struct, for the scratch)
  local function params(pass, with_p, with_x, tail)
    local batched = shape.batched(L, opts.unroll, pass)
    local ps = {}
    if with_p then ps[#ps + 1] = "const " .. R .. " *restrict p" end
    if with_x then ps[#ps + 1] = "const " .. R .. " *restrict x" .. (batched and L.kind ~= "dense" and "c" or "") end
    if batched then
      -- conv: ws, its samples w = &ws->s[s] inside; dense: w, its samples w->s[s]
      ps[#ps + 1] = P .. "_work *restrict " .. (L.kind == "dense" and "w" or "ws")
      ps[#ps + 1] = "ptrdiff_t n"
    else
      if uses_scratch(L, opts, pass) then ps[#ps + 1] = P .. "_work *restrict ws" end
      ps[#ps + 1] = P .. "_sample *restrict w"
    end
    if tail then ps[#ps + 1] = tail end
    return table.concat(ps, ", ")
  end
  v.fwd_params = params("forward", L.wcount > 0 and not baked, L.src == "x")
  local g = L.wcount > 0 and (R .. " *restrict g") or nil
  if L.kind == "conv" then
    v.bwd_params = params("backward", L.propagate, not L.propagate and L.pin == "x", g)
  else
    v.bwd_params = params("backward", L.propagate and L.wcount > 0, L.src == "x", g)
  end
  if baked then
    v.wbase = string.format("%s_l%d_w", opts.name, L.index)
    v.bref = function(i) return string.format("%s_l%d_b[%s]", opts.name, L.index, i) end
  else
    v.wbase = "p + " .. L.woff
    v.bref = function(i) return string.format("p[%d + %s]", L.boff, i) end
  end
  -- include(name, indent, extra): another template rendered with these
  -- names (and those of the table extra), each line indented by `indent`
  -- more (a part two templates share, or one a template uses twice)
  function v.include(name, indent, extra)
    local vars = v
    if extra then
      vars = setmetatable({}, { __index = v })
      for k, x in pairs(extra) do vars[k] = x end
    end
    local text = render(name, vars):gsub("\n$", "")
    if indent ~= "" then text = indent .. text:gsub("\n", "\n" .. indent) end
    return text
  end
  registry.kinds[L.kind].env(L, ctx, v)
  return v
end

-- calls(net, opts) -> fwd, bwd: for each layer, the C statement the driver
-- runs, and whether it is batched (once for the chunk) or per sample (in a
-- loop over s, with w->s[s] its sample and x + s*IN its input)
local function calls(net, opts)
  local P, fwd, bwd = opts.name, {}, {}
  for _, L in ipairs(net.layers) do
    local k = L.index
    local function args(pass)
      local batched = shape.batched(L, opts.unroll, pass)
      local x = batched and "x, " or string.format("x + s*%d, ", net.in_size)
      local ws = (not batched and uses_scratch(L, opts, pass)) and "w, " or ""
      return batched, x, ws, batched and "w, n" or "&w->s[s]"
    end
    local batched, x, ws, wk = args("forward")
    local p = opts.mode == "inference" and "" or "p, "
    local fx = L.src == "x" and x or ""
    fwd[k] = { batched = batched,
               stmt = string.format("%s_l%d_%s_forward(%s%s%s%s);", P, k, L.kind,
                                    L.wcount > 0 and p or "", fx, ws, wk) }
    batched, x, ws, wk = args("backward")
    fx = L.src == "x" and x or ""
    local bp
    if L.kind == "maxpool" then
      bp = (L.propagate and not pool_done_below(L, opts)) and "" or nil
    elseif L.kind == "dense" then
      bp = (L.propagate and "p, " or "") .. fx
    else
      bp = L.propagate and "p, " or (L.pin == "x" and x or "")
    end
    if bp then
      bwd[k] = { batched = batched,
                 stmt = string.format("%s_l%d_%s_backward(%s%s%s%s);", P, k, L.kind, bp, ws, wk,
                                      L.wcount > 0 and ", g" or "") }
    end
  end
  return fwd, bwd
end

-- groups(steps, from, to, step) -> runs of consecutive steps: a batched
-- step alone, per-sample steps together (one loop over the samples)
local function groups(steps, from, to, step)
  local out, cur = {}, nil
  for k = from, to, step do
    local st = steps[k]
    if st then
      if st.batched then
        out[#out + 1] = { batched = true, st.stmt }
        cur = nil
      else
        if not cur then cur = { batched = false }; out[#out + 1] = cur end
        cur[#cur + 1] = st.stmt
      end
    end
  end
  return out
end

-- q8_layer_vars(net, L, opts, plan): layer_vars for the int8 code, plus
-- what the q8 templates use: src/pin (the int8 input, and its padded copy),
-- in_type, store(a) (a^l as the next layer's int8, or as is), out_doc
local function q8_layer_vars(net, L, opts, plan)
  local k = L.index
  local src = "w->a" .. (k - 1)                 -- layer 1 reads q(a^0), not x
  local v = layer_vars(net, setmetatable({ src = src }, { __index = L }), opts)
  v.src, v.sw = src, "w->"
  local q = plan.layer[k]
  v.q = q
  v.elem = plan.rep[k] and plan.rep[k].type or opts.real
  if q then
    if L.kind == "conv" then                   -- q8_conv_forward's blocks of outputs
      v.pblocks = registry.kinds.conv.blocks(L.oh * L.ow, quant.patch_block(L, q.KP))
    end
    v.in_type = q.input.type
    v.pin = (L.kind == "conv" and L.pad > 0) and ("w->x" .. k) or src
    local out = q.output
    if out then
      local inv = v.lit(1 / out.scale)
      function v.store(a) return string.format("%s_%s(%s * %s)", opts.name, out.round, a, inv) end
      v.out_doc = string.format("q(a^%d) = round(a^%d / s),  s = %s%s", k, k, v.lit(out.scale),
                                out.t ~= k and string.format(" (the scale of a^%d, after the pools)", out.t) or "")
    else
      function v.store(a) return a end
      v.out_doc = string.format("a^%d stays %s: no conv or dense layer follows", k, opts.real)
    end
  end
  return v
end

-- q8_calls(net, opts) -> the int8 driver's one group of per-sample steps:
-- quantize x, then every layer
local function q8_calls(net, opts)
  local grp = { batched = false, string.format("%s_l0_quantize(x + s*%d, &w->s[s]);", opts.name, net.in_size) }
  for _, L in ipairs(net.layers) do
    grp[#grp + 1] = string.format("%s_l%d_%s_forward(&w->s[s]);", opts.name, L.index, L.kind)
  end
  return { grp }
end

-- finite(W, source): every parameter can be baked into C
local function finite(W, source)
  for k, x in ipairs(W) do
    if x ~= x or x == math.huge or x == -math.huge then
      err.plain("%s: parameter %d is %s; cannot bake it into C", source, k - 1, tostring(x))
    end
  end
end

-- lines(n, item, per_line): item(1..n), per_line to a line, each ending in ','
local function lines(n, item, per_line)
  local out, row = {}, {}
  for k = 1, n do
    row[#row + 1] = item(k) .. ","
    if #row == per_line or k == n then
      out[#out + 1] = "    " .. table.concat(row, " ")
      row = {}
    end
  end
  return table.concat(out, "\n")
end

local cost_tpl = {
  ["log-likelihood"] = "cost_loglik.c.tpl",
  ["cross-entropy"] = "cost_crossentropy.c.tpl",
  ["quadratic"] = "cost_quadratic.c.tpl",
}

-- generate(net, opts) -> { h, c, unit, header_name }
-- opts: name, real ("float"|"double"), unroll ("none"|"kernel"|"full"),
--       mode ("train"|"inference"), source (file name), source_hash, options (text)
function M.generate(net, opts)
  local v = common(net, opts)
  v.version = M.VERSION
  v.opts = opts
  local plan
  if opts.quantize then
    finite(opts.weights, opts.weights_source)
    plan = quant.plan(net, opts)
  end
  if plan then
    v.work = shape.padded(quant.work(net, plan, opts.real), opts.real)
  else
    v.work = shape.work(net, opts.mode, opts.unroll, opts.real, v.chunk)
  end
  v.sample_fields, v.scratch_fields = {}, {}
  for _, f in ipairs(v.work) do
    f.type = f.type or opts.real
    if f.scratch then
      v.scratch_fields[#v.scratch_fields + 1] = f
    else
      v.sample_fields[#v.sample_fields + 1] = f
    end
  end
  v.layers = net.layers
  v.header = opts.header_name
  v.arch_hash = shape.fnv1a(shape.arch_text(net))
  v.last = net.layers[#net.layers]
  v.uses_p_fwd, v.uses_p_bwd, v.uses_x_bwd = false, false, false
  v.fwd_per_sample, v.bwd_per_sample = false, false
  if plan then
    v.fwd_groups, v.bwd_groups, v.fwd_per_sample = q8_calls(net, opts), {}, true
  else
    local fwd, bwd = calls(net, opts)
    v.fwd_groups = groups(fwd, 1, #net.layers, 1)
    v.bwd_groups = groups(bwd, #net.layers, 1, -1)
    for k in ipairs(net.layers) do
      if fwd[k].stmt:find("(p,", 1, true) then v.uses_p_fwd = true end
      if not fwd[k].batched then v.fwd_per_sample = true end
      if bwd[k] then
        if bwd[k].stmt:find("(p,", 1, true) then v.uses_p_bwd = true end
        if bwd[k].stmt:find("x[,+ ]") then v.uses_x_bwd = true end
        if not bwd[k].batched then v.bwd_per_sample = true end
      end
    end
  end
  -- the runner's parameter vectors start this many reals before a 64-byte
  -- line, so that the largest layer's weights start on one
  local big, per_line = nil, opts.real == "double" and 8 or 16
  for _, L in ipairs(net.layers) do
    if L.wcount > 0 and (not big or L.wcount > big.wcount) then big = L end
  end
  v.param_lead = big and (per_line - big.woff % per_line) % per_line or 0
  v.table_rows = {}
  for _, L in ipairs(net.layers) do
    local np = L.wcount + L.bcount
    v.table_rows[#v.table_rows + 1] = string.format(" * %3d   %-8s %-16s %8d  %8s  %s", L.index, L.kind,
      shape.shape_text(L.out), np, np > 0 and tostring(L.woff) or "", L.wlayout):gsub("%s+$", "")
  end

  local parts = {}
  for _, L in ipairs(net.layers) do
    if plan then
      local q8 = plan.layer[L.index] and "q8_" or ""   -- pools use the float template on int8 values
      parts[#parts + 1] = render(q8 .. L.kind .. "_forward.c.tpl", q8_layer_vars(net, L, opts, plan))
    else
      parts[#parts + 1] = render(L.kind .. "_forward.c.tpl", layer_vars(net, L, opts))
    end
  end
  if opts.mode == "train" then
    local lv = layer_vars(net, v.last, opts)
    parts[#parts + 1] = render(cost_tpl[net.cost], lv)
    for i = #net.layers, 1, -1 do
      local L = net.layers[i]
      parts[#parts + 1] = render(L.kind .. "_backward.c.tpl", layer_vars(net, L, opts))
    end
  end
  v.layer_code = table.concat(parts)
  v.exp_code = ""
  v.uses_tanh, v.uses_exp, v.fast_exp = false, false, opts.fast_exp
  for _, L in ipairs(net.layers) do
    if L.act == "sigmoid" or L.act == "tanh" then v.uses_exp = true end
    if L.act == "tanh" then v.uses_tanh = true end
  end
  if (opts.fast_exp and v.uses_exp) or (opts.real == "float" and v.uses_tanh) then
    v.exp_code = render("exp.c.tpl", v)
  end
  v.init_code = opts.mode == "train" and render("init.c.tpl", v) or ""
  v.weights_code = ""
  if opts.mode == "inference" then
    local W, suffix = opts.weights, opts.real == "float" and "f" or ""
    local function hex(x) return string.format("%a", x) .. suffix end
    -- values(off, n): the parameters off+1 .. off+n; reals(list), ints(list)
    function v.values(off, n) return lines(n, function(k) return hex(W[off + k]) end, 6) end
    function v.reals(list) return lines(#list, function(k) return hex(list[k]) end, 6) end
    function v.ints(list) return lines(#list, function(k) return tostring(list[k]) end, 20) end
    if plan then
      v.plan, v.cal, v.in_rep = plan, opts.calibration, plan.rep[1]
      v.tensors, v.uses = {}, { [plan.rep[1].round] = true }
      for t = 0, #net.layers - 1 do
        local r = plan.rep[t + 1]
        if r and r.t == t then v.tensors[#v.tensors + 1] = r end
      end
      for _, q in pairs(plan.layer) do
        if q.output then v.uses[q.output.round] = true end
      end
      v.weights_code = render("q8_scheme.c.tpl", v) .. render("q8_weights.c.tpl", v)
    else
      finite(W, opts.weights_source)
      v.weights_code = render("weights.c.tpl", v)
    end
  end
  v.ranges = opts.ranges and quant.calibrated(net) or false
  -- opts.activations: the read-out of every a^l for cnngen report (σ(z)
  -- where a conv's max-pool applies its σ)
  v.activations = false
  if opts.activations then
    v.activations = {}
    for _, L in ipairs(net.layers) do
      local value = (L.act_at_pool and not plan) and act.bind(L.act, v.num).sigma("z") or "z"
      v.activations[#v.activations + 1] = { l = L.index, count = L.n_out, value = value }
    end
  end
  -- by8(indent, from, to, stmt): stmt for k = from .. to-1, where $p
  -- stands for params[k] and $g for grad[k]: 8 a loop turn at constant
  -- offsets from the pointers p8, g8, then the rest written out (tcc does
  -- not unroll, and a loop turn's own work costs as much as the stmt)
  function v.by8(indent, from, to, stmt)
    local function one(i, p, g)
      return (stmt:gsub("%$p", p .. "[" .. i .. "]"):gsub("%$g", g .. "[" .. i .. "]"))
    end
    local body, decl, has_p = {}, {}, stmt:find("$p", 1, true)
    for i = 0, 7 do body[#body + 1] = one(i, "p8", "g8") end
    if has_p then decl[#decl + 1] = opts.real .. " *p8 = params + k;" end
    if stmt:find("$g", 1, true) then
      decl[#decl + 1] = (has_p and "const " or "") .. opts.real .. " *g8 = grad + k;"
    end
    local out, whole, rest = {}, to - (to - from) % 8, {}
    if whole > from then
      out[1] = string.format("%sfor (k = %d; k < %d; k += 8) {", indent, from, whole)
      out[2] = indent .. "    " .. table.concat(decl, " ")
      out[3] = cfmt.wrap(body, indent .. "    ", 110)
      out[4] = indent .. "}"
    end
    for k = whole, to - 1 do rest[#rest + 1] = one(k, "params", "grad") end
    if #rest > 0 then out[#out + 1] = cfmt.wrap(rest, indent, 110) end
    return table.concat(out, "\n")
  end
  v.sgd_code = opts.mode == "train" and render("sgd.c.tpl", v) or ""
  v.api_code = render("api.c.tpl", v)

  local h = render("net.h.tpl", v)
  local body = render("net.c.tpl", v)
  local mark = "/*@INCLUDE@*/"
  local at = assert(body:find(mark, 1, true), "internal error: net.c.tpl lost its include mark")
  local before, after = body:sub(1, at - 1), body:sub(at + #mark)
  local c = before .. '#include "' .. opts.header_name .. '"' .. after
  local unit = h .. before .. "/* (" .. opts.header_name .. " is above) */" .. after .. render("jit_sizes.c.tpl", v)
               .. (v.activations and render("jit_activation.c.tpl", v) or "")
  return { h = h, c = c, unit = unit, arch_hash = v.arch_hash }
end

return M
