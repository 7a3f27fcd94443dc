-- registry.lua: the layer kinds cnngen knows, and the interface each kind
-- answers.  A kind is a module gen/lua/layer/<kind>.lua (copy
-- layer/TEMPLATE.lua, which implements every member below with comments),
-- its templates templates/<kind>_<pass>_<form>.c.tpl (and the parts they
-- include, templates/<kind>_<part>.c.tpl), its test tests/test_<kind>.c,
-- its entry in tests/support/ref.c's table, and one name in `order` here.
-- Nothing else in the generator names a kind: emit.lua, shape.lua,
-- quant.lua and check.lua ask the kind's module.
--
-- The interface (L a layer record, `gen` one generation's options: mode,
-- unroll, real, chunk, q8 and, for int8 code, plan; see shape.generation):
--   example, schema             required: a constructor call for messages;
--                               the fields and their checks (dsl.lua)
--   resolve(L, in_shape)        required: shapes and counts (see below)
--   place(L)                    after the neighbours and offsets are known
--   forms(L, gen)               required: { forward = name, backward = name
--                               or false, step = name }: the form of each
--                               pass, the template <kind>_<pass>_<name>.c.tpl
--                               (step: optional, the backward with the SGD
--                               step of the weights fused in, with its parts
--                               <kind>_delta and <kind>_team for the threads'
--                               team step; see layer/dense.lua; infer:
--                               optional, the forward outside training,
--                               without what only the backward reads; see
--                               layer/maxpool.lua)
--   work(L, gen)                required: the work-struct fields
--   signature(L, pass, gen)     what the pass's function takes: { p, x, g,
--                               batched, x_name, work_name, key }
--   env(L, gen, v)              the names its templates use
--   template_text(name)         a template's text (embedded templates/)
--   cost_gives_delta(L)         as the last layer: δ^L from the cost (BP1),
--                               else ∂C/∂a^L, its backward takes it on
--   takes_softmax(L)            may carry act = "softmax"
--   routes_to_winners(L)        δ flows back only to the winners its
--                               forward recorded (mask m<l> of L.mask_type)
--   commutes_with_monotone(L)   σ(f(a)) = f(σ(a)) for every σ that never
--                               decreases: the layer below may leave its σ
--                               to this one
--   does_backward_of_next(L, gen)  L's backward also does the backward of
--                               the layer above (which then has none)
--   int8(L)                     int8 policy: "weights", "monotone",
--                               "requantize" or "refuse" (quant.lua)
--   int8_rows(L)                K, KP: a "weights" layer's products per sum
--                               and the length of its int8 weight rows
--   int8_work(L, gen)           int8 code's fields besides a^l (and z^l)
--   inner(L)                    the layer acts on the layer below for the
--                               one above: never the first or last layer
--   identity_at_inference(L)    the layer is a^l = a^{l-1} at inference:
--                               inference code (and the weights file's
--                               architecture hash) leaves it out
-- resolve(L, s) sets L.out {c, h, w}, n_in, n_out, wcount, bcount, fan_in,
-- macs_fwd, desc, wlayout (and macs_bwd, here or in place).
local M = {}

M.order = { "conv", "maxpool", "avgpool", "dense", "dropout" }

-- The defaults of the optional members: every kind answers every question.
local defaults = {}
M.defaults = defaults

function defaults.place(L) end

function defaults.cost_gives_delta(L) return L.act ~= nil end

function defaults.takes_softmax() return false end

function defaults.routes_to_winners() return false end

function defaults.commutes_with_monotone() return false end

function defaults.does_backward_of_next() return false end

function defaults.inner() return false end

function defaults.identity_at_inference() return false end

-- signature(L, pass, gen): a sample at a time (w, its part of the work
-- struct); p, the parameters, where the layer has weights (and, backward,
-- where it propagates δ through them); x where layer 1 reads the input
-- (backward: for ∂C/∂w); g, the gradient, where it has weights.  A batched
-- function takes the whole work struct (named work_name) and n instead, and
-- the chunk's inputs (named x_name).  key: the (batched) function draws
-- random numbers for the samples of a training call (dropout's masks) and
-- takes `key`, the key of the chunk's first sample, or a null pointer
-- outside training (forward, predict).
function defaults.signature(L, pass)
  local fwd = pass == "forward"
  return { p = L.wcount > 0 and (fwd or L.propagate), x = L.src == "x" and (fwd or L.wcount > 0),
           g = not fwd and L.wcount > 0, batched = false, x_name = "x", work_name = "w" }
end

function defaults.env() end

function defaults.template_text(name)
  return require("embedded").read("templates/" .. name)
end

function defaults.int8() return "refuse" end

function defaults.int8_rows(L)
  local K = L.wcount // L.bcount
  return K, K
end

function defaults.int8_work() return {} end

M.REQUIRED = { "example", "schema", "resolve", "forms", "work" }

local function required(k)
  for _, r in ipairs(M.REQUIRED) do if r == k then return true end end
  return false
end

-- check(name, module): nil, or what is wrong with the module as a kind: a
-- required member missing, or a member the interface does not have (a
-- misspelt name would silently fall back to its default; a module's own
-- names start with '_')
function M.check(name, module)
  for _, k in ipairs(M.REQUIRED) do
    if module[k] == nil then return string.format("layer kind %s: no '%s'", name, k) end
  end
  for k in pairs(module) do
    if type(k) ~= "string" or (defaults[k] == nil and not required(k) and not k:match("^_")) then
      return string.format("layer kind %s: '%s' is not a member of the layer interface", name, tostring(k))
    end
  end
  return nil
end

-- register(name, module): add a kind (the built-in ones below; a test's
-- own kind through the same call).  The module gets the defaults of the
-- members it leaves out.
function M.register(name, module)
  local bad = M.check(name, module)
  if bad then error(bad, 0) end
  setmetatable(module, { __index = defaults })
  if not M.kinds[name] then M.order[#M.order + 1] = name end
  M.kinds[name] = module
end

-- of(L) -> the module of layer L's kind
function M.of(L) return M.kinds[L.kind] end

function M.example_list()
  local t = {}
  for _, k in ipairs(M.order) do t[#t + 1] = k .. " { ... }" end
  return table.concat(t, ", ")
end

M.kinds = {}
do
  local builtin = M.order
  M.order = {}
  for _, k in ipairs(builtin) do M.register(k, require("layer." .. k)) end
end

return M
