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

-- render(name, vars, text_of) -> text of templates/<name> (text_of(name)
-- gives it: a layer kind's template_text; embedded templates/<name> when
-- nil), with `vars` and the base names visible; reading an undefined name
-- in a template is an error.
local function embedded_template(name) return embedded.read("templates/" .. name) end

local function render(name, vars, text_of)
  local path = "templates/" .. name
  local text = (text_of or embedded_template)(name)
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

-- common(net, opts, gen): the names every template sees
local function common(net, opts, gen)
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
    momentum = opts.momentum == true,
    q8 = gen.q8,
    chunk = gen.chunk,
  }
end

-- uses_scratch(L, gen, pass): whether layer L's `pass` function uses the
-- work struct's shared scratch fields (then it takes `ws`, the whole work
-- struct); a field with f.pass set serves that pass alone
local function uses_scratch(L, gen, pass)
  for _, f in ipairs(registry.of(L).work(L, gen)) do
    if f.scratch and (not f.pass or f.pass == pass) then return true end
  end
  return false
end

-- signature(L, gen, pass) -> what layer L's `pass` function takes (the
-- kind's signature: p, x, g, batched, x_name, work_name; plus ws, the
-- whole work struct for a per-sample function that uses the scratch), or
-- nil when the layer has no function for the pass.  Inference code bakes
-- the parameters in (no p); the int8 driver gives every layer its sample
-- alone.
local function signature(L, gen, pass)
  local kind = registry.of(L)
  if not kind.forms(L, gen)[pass] then return nil end
  if gen.q8 then return { batched = false } end
  local as = pass == "infer" and "forward" or pass     -- (infer takes what the forward takes)
  local sig = kind.signature(L, as, gen)
  if gen.mode == "inference" then sig.p = false end
  sig.ws = not sig.batched and uses_scratch(L, gen, as)
  return sig
end

-- params(sig, P, R) -> the C parameter list of a layer function: p, x,
-- then the work: a batched function takes the whole struct and the sample
-- count n, the others one sample's part w (and ws, the whole struct, for
-- the scratch); g last
local function params(sig, P, R)
  local ps = {}
  if sig.p then ps[#ps + 1] = (sig.update and "" or "const ") .. R .. " *restrict p" end
  if sig.x then ps[#ps + 1] = "const " .. R .. " *restrict " .. sig.x_name end
  if sig.batched then
    ps[#ps + 1] = P .. "_work *restrict " .. sig.work_name
    ps[#ps + 1] = "ptrdiff_t n"
    if sig.key then ps[#ps + 1] = "const unsigned long long *restrict key" end
  else
    if sig.ws then ps[#ps + 1] = P .. "_work *restrict ws" end
    ps[#ps + 1] = P .. "_sample *restrict w"
  end
  if sig.g then ps[#ps + 1] = R .. " *restrict g" end
  if sig.update then ps[#ps + 1] = R .. " decay, " .. R .. " step" end
  return table.concat(ps, ", ")
end

-- call(sig, L, pass, P, in_size) -> the driver's C statement for the
-- function: batched, once for the chunk; else in a loop over s, with
-- w->s[s] its sample and x + s*IN its input
local function call(sig, L, pass, P, in_size)
  local x = sig.batched and "x, " or string.format("x + s*%d, ", in_size)
  return string.format("%s_l%d_%s_%s(%s%s%s%s%s%s%s);", P, L.index, L.kind, pass, sig.p and "p, " or "",
                       sig.x and x or "", sig.ws and "w, " or "", sig.batched and "w, n" or "&w->s[s]",
                       sig.key and ", key" or "", sig.g and ", g" or "", sig.update and ", decay, step" or "")
end

-- layer_vars(net, L, opts, gen) -> the names layer L's templates see: the
-- common ones, the layer's own (its kind's env), and for int8 code src
-- (the int8 input), in_type, store(a) (a^l as the next layer's int8, or as
-- is) and out_doc
local function layer_vars(net, L, opts, gen)
  local v = common(net, opts, gen)
  local k = L.index
  if gen.q8 then
    local src = "w->a" .. (k - 1)                 -- layer 1 reads q(a^0), not x
    L = setmetatable({ src = src }, { __index = L })
    v.src, v.sw = src, "w->"
  end
  v.L, v.l = L, k
  v.forms = registry.of(L).forms(L, gen)
  v.elem = opts.real                            -- the type of a^(l-1)'s values (int8 ones in q8 code)
  v.act = L.act and act.bind(L.act, v.num) or act.bind("linear", v.num)
  -- pool_act: the σ a layer applies for the layer below it, which left its
  -- σ to it (L.act_at_pool: the layer above commutes with a monotone σ;
  -- float code only); that layer's own code applies none
  v.pool_act = false
  if not gen.q8 then
    if L.act_at_pool then
      v.pool_act, v.act = v.act, act.bind("linear", v.num)
    elseif L.prev and L.prev.act_at_pool then
      v.pool_act = act.bind(L.prev.act, v.num)
    end
  end
  local P, R = opts.name, opts.real
  local fsig, bsig = signature(L, gen, "forward"), signature(L, gen, "backward")
  v.fwd_params = fsig and params(fsig, P, R)
  v.bwd_params = bsig and params(bsig, P, R)
  local ssig = signature(L, gen, "step")
  v.step_params = ssig and params(ssig, P, R)
  -- where the layer's parameters are: the flat vector p when training,
  -- the baked arrays <P>_l<k>_w / _b in inference code
  if opts.mode == "inference" then
    v.wbase = string.format("%s_l%d_w", opts.name, k)
    v.bref = function(i) return string.format("%s_l%d_b[%s]", opts.name, k, i) end
  else
    v.wbase = "p + " .. L.woff
    v.bref = function(i) return string.format("p[%d + %s]", L.boff, i) end
  end
  if gen.q8 then
    local plan = gen.plan
    local q = plan.layer[k]
    v.q = q
    v.elem = plan.rep[k] and plan.rep[k].type or opts.real
    if q then
      v.in_type = q.input.type
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
  end
  -- include(name, indent, extra): another template of the layer's kind
  -- rendered with these names (and those of the table extra), each line
  -- indented by `indent` more (a part two templates share, or one a
  -- template uses twice)
  -- (an include inside an included template sees the names its includer saw)
  local kind = registry.of(L)
  local function includer(names)
    return function(name, indent, extra)
      local vars = names
      if extra then
        vars = setmetatable({}, { __index = names })
        for key, x in pairs(extra) do vars[key] = x end
        vars.include = includer(vars)
      end
      local text = render(name, vars, kind.template_text):gsub("\n$", "")
      if indent ~= "" then text = indent .. text:gsub("\n", "\n" .. indent) end
      return text
    end
  end
  v.include = includer(v)
  kind.env(L, gen, v)
  return v
end

-- layer_code(net, L, opts, gen, pass) -> the C of layer L's `pass`
-- function, from the template of its form (none when it has no function
-- for the pass)
local function layer_code(net, L, opts, gen, pass)
  local kind = registry.of(L)
  local form = kind.forms(L, gen)[pass]
  if not form then return "" end
  return render(L.kind .. "_" .. pass .. "_" .. form .. ".c.tpl", layer_vars(net, L, opts, gen), kind.template_text)
end

-- calls(net, opts, gen) -> fwd, bwd: for each layer, the C statement the
-- driver runs, whether it is batched (once for the chunk) or per sample (in
-- a loop over s, with w->s[s] its sample and x + s*IN its input), and its
-- signature; step: the backward of train_chunk, each layer's step
-- function where it has one (its backward fused with the SGD step of its
-- weights), else its backward (nil when no layer has a step function);
-- and infer: the forward outside training, each layer's infer function
-- where it has one (its forward without what only the backward needs),
-- else its forward (nil when no layer has an infer function)
local function calls(net, opts, gen)
  local fwd, bwd, step, infer, fused, inferred = {}, {}, {}, {}, false, false
  for _, L in ipairs(net.layers) do
    for pass, t in pairs({ forward = fwd, backward = bwd, step = step, infer = infer }) do
      local sig = signature(L, gen, pass)
      if sig then
        t[L.index] = { batched = sig.batched, sig = sig, stmt = call(sig, L, pass, opts.name, net.in_size) }
        if pass == "step" then fused = true end
        if pass == "infer" then inferred = true end
      end
    end
  end
  for k, st in pairs(bwd) do step[k] = step[k] or st end
  for k, st in pairs(fwd) do infer[k] = infer[k] or st end
  return fwd, bwd, fused and step or nil, inferred and infer or nil
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

-- q8_calls(net, opts, gen) -> the int8 driver's one group of per-sample
-- steps: quantize x, then every layer
local function q8_calls(net, opts, gen)
  local grp = { batched = false, string.format("%s_l0_quantize(x + s*%d, &w->s[s]);", opts.name, net.in_size) }
  local fwd = calls(net, opts, gen)
  for k in ipairs(net.layers) do grp[#grp + 1] = fwd[k].stmt end
  return { grp }
end

-- team_code(net, opts, v, gen) -> the team step (team.c.tpl), for the
-- in-process builds only ("" without a step function): each layer with a
-- step function (v.fused) through its <kind>_delta and <kind>_team (the
-- step's own, split: δ by samples, w by rows of 8 units, each thread's
-- ∂C/∂a^{l-1} over its rows into its gradient buffer's space of w, then
-- added up by <kind>_team_din), every other layer through its backward;
-- where that space holds two chunks' worth, the parts for the other
-- threads' samples are staged in the second and copied into the first in
-- one pass after the step's loop: the other threads read them there last
-- step, each such line costs a round trip between the cores to take back,
-- and inside the loop the stores queued behind it held the loop up
-- (docs/performance.md, "Two vCPUs far apart")
-- (and so is a fused layer whose sums would not fit that space: fewer
-- units than the chunk's samples); in the forward, each layer with a
-- team_forward form through its <kind>_team_forward (rendered here: the
-- JIT unit alone has it), every other layer through its forward
local function team_code(net, opts, v, gen)
  if not v.step_groups then return "" end
  local P, steps, spans, fwd, code, team_dst = opts.name, {}, {}, {}, {}, false
  local function fused(L) return v.fused[L.index] and (not L.propagate or L.units >= gen.chunk) end
  -- rows(L): thread k's rows lo <= o < hi of layer L's w: whole blocks of
  -- 8, the rest to the last thread
  local function rows(L)
    local blocks8 = L.units // 8
    return string.format("lo = 8 * ((ptrdiff_t)%d * k / T);   /* my rows of w^%d */\n    ", blocks8, L.index)
           .. string.format("hi = k == T - 1 ? %d : 8 * ((ptrdiff_t)%d * (k + 1) / T);", L.units, blocks8)
  end
  -- the forward: each layer's for my samples, but a layer with a team
  -- forward computes its rows of w (those it steps) for the whole batch,
  -- between two barriers (every thread's a^{l-1} is in; every thread's
  -- rows of a^l are)
  -- (a team forward right after another needs no barrier of its own
  -- before it: the one after the other's is it)
  local after_team = false
  for i, L in ipairs(net.layers) do
    if registry.of(L).forms(L, gen).team_forward and fused(L) then
      code[#code + 1] = layer_code(net, L, opts, gen, "team_forward")
      local st = after_team and {} or { "sync(ctx);" }
      st[#st + 1] = rows(L)
      st[#st + 1] = string.format("%s_l%d_%s_team_forward(p, sp, xb, nb, lo, hi);", P, i, L.kind)
      st[#st + 1] = "sync(ctx);"
      fwd[i] = { batched = true, stmt = table.concat(st, "\n    ") }
      after_team = true
    else
      fwd[i] = v.fwd_calls[i]
      after_team = false
    end
  end
  for i = #net.layers, 1, -1 do
    local L = net.layers[i]
    if fused(L) then
      local st = { string.format("%s_l%d_%s_delta(w, n, g);", P, i, L.kind), "sync(ctx);", rows(L) }
      local staged = L.propagate and L.units >= 2 * gen.chunk
      if L.propagate then
        local other = staged and string.format(" + (s >= first && s < first + n ? 0 : %d)", gen.chunk * L.n_in) or ""
        st[#st + 1] = string.format("for (s = 0; s < %d; ++s) dst[s] = g + %d%s + s*%d;   /* my rows' ∂C/∂a^%d%s */",
                                    gen.chunk, L.woff, other, L.n_in, i - 1,
                                    staged and " (the other threads' samples' staged)" or "")
      end
      st[#st + 1] = string.format("%s_l%d_%s_team(p, sp, xb, lo, hi, dst, decay, step);", P, i, L.kind)
      if staged then
        st[#st + 1] = string.format("for (s = 0; s < %d; ++s)   /* the staged parts to where the other threads read them */\n"
                                    .. "        if (s < first || s >= first + n)\n"
                                    .. "            for (i = 0; i < %d; ++i) g[%d + s*%d + i] = g[%d + s*%d + i];",
                                    gen.chunk, L.n_in, L.woff, L.n_in, L.woff + gen.chunk * L.n_in, L.n_in)
      end
      st[#st + 1] = "sync(ctx);"
      if L.propagate then
        code[#code + 1] = layer_code(net, L, opts, gen, "team_din")
        st[#st + 1] = string.format("%s_l%d_%s_team_din(w, n, first, grads, T);", P, i, L.kind)
        team_dst = true
      end
      steps[i] = { batched = true, stmt = table.concat(st, "\n    ") }
    else
      steps[i] = v.bwd_calls[i]
    end
  end
  for _, L in ipairs(net.layers) do
    if L.wcount > 0 then
      if not fused(L) then
        spans[#spans + 1] = { from = L.woff, to = L.woff + L.wcount, decay = true, what = "layer " .. L.index .. " w" }
      end
      spans[#spans + 1] = { from = L.boff, to = L.boff + L.bcount, decay = false, what = "layer " .. L.index .. " b" }
    end
  end
  local tv = setmetatable({ team_groups = groups(steps, #net.layers, 1, -1), team_spans = spans, team_dst = team_dst,
                            team_fwd_groups = groups(fwd, 1, #net.layers, 1) }, { __index = v })
  return table.concat(code) .. render("team.c.tpl", tv)
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
  local plan
  if opts.quantize then
    finite(opts.weights, opts.weights_source)
    plan = quant.plan(net, opts)
  end
  local gen = shape.generation(net, opts, plan)
  local v = common(net, opts, gen)
  v.version = M.VERSION
  v.opts = opts
  if plan then
    v.work = shape.padded(quant.work(net, gen), opts.real)
  else
    v.work = shape.work(net, gen)
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
  -- keyed: a layer draws random numbers in training (a key function for
  -- the caller, a key in the work struct, the forward pass takes it)
  v.keyed = false
  v.step_groups, v.fused, v.step_uses_x, v.step_per_sample = false, {}, false, false
  v.infer_groups = false
  if plan then
    v.fwd_groups, v.bwd_groups, v.fwd_per_sample = q8_calls(net, opts, gen), {}, true
  else
    local fwd, bwd, step, infer = calls(net, opts, gen)
    v.fwd_calls, v.bwd_calls, v.step_calls = fwd, bwd, step
    v.fwd_groups = groups(fwd, 1, #net.layers, 1)
    -- forward and predict (infer_pass): the infer functions where layers
    -- have them
    v.infer_groups = infer and groups(infer, 1, #net.layers, 1) or false
    v.bwd_groups = groups(bwd, #net.layers, 1, -1)
    -- train_chunk (sgd.c.tpl): the layers whose step function updates
    -- their weights, and its backward pass's groups
    v.step_groups = step and groups(step, #net.layers, 1, -1) or false
    v.fused = {}
    if step then
      for k, st in pairs(step) do
        if st.sig.update then v.fused[k] = true end
        if st.sig.x then v.step_uses_x = true end
        if not st.batched then v.step_per_sample = true end
      end
      local ks = {}
      for k in pairs(v.fused) do ks[#ks + 1] = k end
      table.sort(ks)
      v.fused_list = (#ks > 1 and "layers " or "layer ") .. table.concat(ks, ", ")
    end
    for k in ipairs(net.layers) do
      if fwd[k].sig.p then v.uses_p_fwd = true end
      if fwd[k].sig.key then v.keyed = true end
      if not fwd[k].batched then v.fwd_per_sample = true end
      if bwd[k] then
        if bwd[k].sig.p then v.uses_p_bwd = true end
        if bwd[k].sig.x then v.uses_x_bwd = true end
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
    parts[#parts + 1] = layer_code(net, L, opts, gen, "forward")
    if not plan then parts[#parts + 1] = layer_code(net, L, opts, gen, "infer") end
  end
  if opts.mode == "train" then
    parts[#parts + 1] = render(cost_tpl[net.cost], layer_vars(net, v.last, opts, gen))
    for i = #net.layers, 1, -1 do
      parts[#parts + 1] = layer_code(net, net.layers[i], opts, gen, "backward")
      parts[#parts + 1] = layer_code(net, net.layers[i], opts, gen, "step")
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
  v.key_code = v.keyed and render("key.c.tpl", v) or ""
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
      local requantized = {}     -- layers that compute in int8 without weights (int8 policy "requantize")
      for k, q in pairs(plan.layer) do
        if q.output then v.uses[q.output.round] = true end
        if not q.qw then requantized[#requantized + 1] = k end
      end
      table.sort(requantized)
      v.requantized = #requantized > 0 and ((#requantized > 1 and "layers " or "layer ") .. table.concat(requantized, ", "))
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
  v.team_code = team_code(net, opts, v, gen)
  v.api_code = render("api.c.tpl", v)

  local h = render("net.h.tpl", v)
  local body = render("net.c.tpl", v)
  local mark = "/*@INCLUDE@*/"
  local at = assert(body:find(mark, 1, true), "internal error: net.c.tpl lost its include mark")
  local before, after = body:sub(1, at - 1), body:sub(at + #mark)
  local c = before .. '#include "' .. opts.header_name .. '"' .. after
  local unit = h .. before .. "/* (" .. opts.header_name .. " is above) */" .. after .. v.team_code
               .. render("jit_sizes.c.tpl", v)
               .. (v.activations and render("jit_activation.c.tpl", v) or "")
               .. (opts.profile and v.train and not plan and require("profile").code(v, v.fwd_calls, v.bwd_calls, render, v.step_calls) or "")
  return { h = h, c = c, unit = unit, arch_hash = v.arch_hash }
end

return M
