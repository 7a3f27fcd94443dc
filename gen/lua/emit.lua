-- emit.lua: renders the templates for a resolved network and assembles
-- <name>.h, <name>.c and the single translation unit the JIT compiles.
local tpl = require("tpl")
local cfmt = require("cfmt")
local act = require("act")
local registry = require("registry")
local shape = require("shape")
local embedded = require("embedded")
local err = require("err")

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
  if opts.fast_exp then num.exp = opts.name .. "_exp" end
  return {
    net = net, P = opts.name, PU = opts.name:upper(), real = opts.real,
    lit = num.lit, fn = num.fn, num = num, unroll = opts.unroll,
    train = opts.mode == "train", zero = num.lit(0), one = num.lit(1),
  }
end

local function layer_vars(net, L, opts)
  local v = common(net, opts)
  local ctx = { num = v.num }
  v.L, v.l = L, L.index
  v.act = L.act and act.bind(L.act, v.num) or act.bind("linear", v.num)
  -- where the layer's parameters are: the flat vector p when training,
  -- the baked arrays <P>_l<k>_w / _b in inference code
  local baked = opts.mode == "inference"
  local ps = {}
  if L.wcount > 0 and not baked then ps[#ps + 1] = "const " .. opts.real .. " *restrict p" end
  if L.src == "x" then ps[#ps + 1] = "const " .. opts.real .. " *restrict x" end
  ps[#ps + 1] = opts.name .. "_work *restrict w"
  v.fwd_params = table.concat(ps, ", ")
  if baked then
    v.wbase = string.format("%s_l%d_w", opts.name, L.index)
    v.bref = function(i) return string.format("%s_l%d_b[%s]", opts.name, L.index, i) end
  else
    v.wbase = "p + " .. L.woff
    v.bref = function(i) return string.format("p[%d + %s]", L.boff, i) end
  end
  registry.kinds[L.kind].env(L, ctx, v)
  return v
end

-- calls: the C statements the driver uses to run each layer
local function calls(net, opts)
  local P, fwd, bwd = opts.name, {}, {}
  for _, L in ipairs(net.layers) do
    local k, x = L.index, L.src == "x" and "x, " or ""
    local p = opts.mode == "inference" and "" or "p, "
    if L.kind == "conv" then
      fwd[k] = string.format("%s_l%d_conv_forward(%s%sw);", P, k, p, x)
      bwd[k] = string.format("%s_l%d_conv_backward(%sw, g);", P, k,
                             L.propagate and "p, " or (L.pin == "x" and "x, " or ""))
    elseif L.kind == "maxpool" then
      fwd[k] = string.format("%s_l%d_maxpool_forward(%sw);", P, k, x)
      bwd[k] = L.propagate and string.format("%s_l%d_maxpool_backward(w);", P, k) or nil
    elseif L.kind == "dense" then
      fwd[k] = string.format("%s_l%d_dense_forward(%s%sw);", P, k, p, x)
      bwd[k] = string.format("%s_l%d_dense_backward(%s%sw, g);", P, k, L.propagate and "p, " or "", x)
    end
  end
  return fwd, bwd
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
  v.work = shape.work(net, opts.mode, opts.unroll)
  for _, f in ipairs(v.work) do f.type = f.type or opts.real end
  v.layers = net.layers
  v.header = opts.header_name
  v.arch_hash = shape.fnv1a(shape.arch_text(net))
  v.fwd, v.bwd = calls(net, opts)
  v.last = net.layers[#net.layers]
  v.uses_p_fwd, v.uses_p_bwd, v.uses_x_bwd = false, false, false
  for k, L in ipairs(net.layers) do
    if v.fwd[k]:find("(p,", 1, true) then v.uses_p_fwd = true end
    if v.bwd[k] and v.bwd[k]:find("(p,", 1, true) then v.uses_p_bwd = true end
    if v.bwd[k] and v.bwd[k]:find("x,", 1, true) then v.uses_x_bwd = true end
  end
  v.table_rows = {}
  for _, L in ipairs(net.layers) do
    local np = L.wcount + L.bcount
    v.table_rows[#v.table_rows + 1] = string.format(" * %3d   %-8s %-16s %8d  %8s  %s", L.index, L.kind,
      shape.shape_text(L.out), np, np > 0 and tostring(L.woff) or "", L.wlayout):gsub("%s+$", "")
  end

  local parts = {}
  for _, L in ipairs(net.layers) do
    local lv = layer_vars(net, L, opts)
    parts[#parts + 1] = render(L.kind .. "_forward.c.tpl", lv)
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
  if opts.fast_exp then
    for _, L in ipairs(net.layers) do
      if L.act == "sigmoid" then v.exp_code = render("exp.c.tpl", v) break end
    end
  end
  v.init_code = opts.mode == "train" and render("init.c.tpl", v) or ""
  v.weights_code = ""
  if opts.mode == "inference" then
    local W, suffix = opts.weights, opts.real == "float" and "f" or ""
    function v.values(off, n)
      local lines, row = {}, {}
      for k = off + 1, off + n do
        local x = W[k]
        if x ~= x or x == math.huge or x == -math.huge then
          err.plain("%s: parameter %d is %s; cannot bake it into C", opts.weights_source, k - 1, tostring(x))
        end
        row[#row + 1] = string.format("%a", x) .. suffix .. ","
        if #row == 6 then
          lines[#lines + 1] = "    " .. table.concat(row, " ")
          row = {}
        end
      end
      if #row > 0 then lines[#lines + 1] = "    " .. table.concat(row, " ") end
      return table.concat(lines, "\n")
    end
    v.weights_code = render("weights.c.tpl", v)
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
  return { h = h, c = c, unit = unit, arch_hash = v.arch_hash }
end

return M
