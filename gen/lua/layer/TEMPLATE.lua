-- layer/TEMPLATE.lua: the skeleton of a layer kind, every member of the
-- layer interface (registry.lua) written out and explained.  Copy it to
-- gen/lua/layer/<kind>.lua, add <kind> to registry.lua's `order`, write
-- its templates templates/<kind>_<pass>_<form>.c.tpl and its test
-- tests/test_<kind>.c (and its entry in tests/support/ref.c).  Nothing
-- else in the generator needs to know the kind.
--
-- The kind sketched here, `scale { act = ... }`, scales each channel and
-- adds a bias: a^l[c][y][x] = σ(w[c] · a^{l-1}[c][y][x] + b[c]).
--
-- Two kinds of state: what resolve and place put on the layer record L
-- (shapes, counts: the same for every generation), and what depends on a
-- generation's options, `gen` = { mode = "train"|"inference", unroll =
-- "none"|"kernel"|"full", real = "float"|"double", chunk = samples the work
-- struct holds, q8 = int8 code?, plan = quant.plan for int8 code }.  One
-- resolved net is generated in several forms (float and double, tcc and
-- cc), so members that take `gen` must never write to L.
--
-- registry.register refuses a module member the interface does not have
-- (a misspelt one would silently fall back to its default): the module's
-- own helpers are locals, or members whose names start with '_'.
-- Pooling kinds share their fields and window rule through pool.lua.
local err = require("err")
local cfmt = require("cfmt")

local M = {}

-- example: a constructor call, shown in messages ("missing field 'act'
-- (for example: ...)", "write conv { ... }, ...").
M.example = 'scale { act = "tanh" }'

-- schema: the fields of the constructor and their checks (dsl.lua's
-- checkers: posint, nonnegint, pair, act, ...); a default may be a
-- function of the fields already checked.  Unknown fields are refused with
-- a suggestion.  A field `act` makes the layer one with a σ.
M.schema = {
  act = { type = "act", default = "linear" },
}

-- resolve(L, s): L's shapes and counts from its input shape s = {c, h, w}.
-- Sets at least out, n_in, n_out, wcount, bcount (its weights and biases,
-- laid out weights then biases at L.woff, L.boff), fan_in (for the initial
-- weights), macs_fwd, desc (the `cnngen info` and header line) and wlayout
-- (the parameter layout, "" without parameters); a kind with windows whose
-- output size rounds down sets drop = {rows, columns} of its input that no
-- window reaches (`cnngen info` names them; shape.dropped gives the words
-- for desc).  A description that cannot work is refused here with one
-- line: err.at(L.line, "%s: ...", L.what, ...), L.what being "scale (layer 3)".
function M.resolve(L, s)
  L.c, L.h, L.w = s[1], s[2], s[3]
  L.out = { L.c, L.h, L.w }
  L.n_in, L.n_out = L.c * L.h * L.w, L.c * L.h * L.w
  L.wcount, L.bcount, L.fan_in = L.c, L.c, 1
  L.macs_fwd = L.n_out
  L.desc = string.format("scale, %s: [%d][%d][%d]", L.act, L.c, L.h, L.w)
  L.wlayout = string.format("w [%d], b [%d]", L.c, L.c)
  if L.n_in > 2^28 then   -- (it cannot be: the input is already checked; the pattern of a refusal)
    err.at(L.line, "%s: %d values are more than cnngen's limit of %d", L.what, L.n_in, 2^28 // 1)
  end
end

-- place(L): after shape.lua has set the neighbours (L.prev, L.next), the
-- offsets (woff, boff), L.src ("x" for layer 1, else "w->a<l-1>") and
-- L.propagate (δ^{l-1} needed: not layer 1).  Sets macs_bwd.
function M.place(L)
  L.macs_bwd = L.macs_fwd * (L.propagate and 2 or 1)
end

-- forms(L, gen) -> { forward = name, backward = name or false }: the one
-- form of each pass, decided here once from L and the options: the
-- templates templates/scale_forward_<name>.c.tpl, ..._backward_<name>.c.tpl
-- (false: no function for the pass; inference code has no backward).
-- Typically a loop form for an optimizing compiler (--unroll none) and a
-- straight-line one for tcc; int8 code may have its own.  Optional: step,
-- a backward that also applies the SGD step to the layer's weights (for
-- the one-chunk train_chunk; its parts <kind>_delta, <kind>_team and
-- <kind>_team_din serve the runner's team of threads), and team_forward,
-- the forward split as the team's step is (<kind>_team_forward, in the
-- in-process unit alone); layer/dense.lua has both, a new kind rarely
-- needs them.  infer: a forward for use outside training (forward,
-- predict) that leaves out what only the backward reads (layer/maxpool.lua:
-- the winners); without it those calls run the forward.
function M.forms(L, gen)
  return { forward = gen.unroll == "none" and "loops" or "lines",
           backward = gen.mode == "train" and "loops" }
end

-- work(L, gen) -> the layer's fields of the work struct: { name, count,
-- type (default: the real type), comment, scratch (shared by the samples
-- of a chunk, used and done with inside one call; with pass = "forward" or
-- "backward" when one pass alone uses it), per_chunk (a scratch field of
-- `count` for each sample of the chunk) }.  By convention a<l> is the
-- output, d<l> ∂C/∂a^l (then δ^l), z<l> the weighted input where L.store_z
-- (set on the last layer for the costs that read z).
function M.work(L, gen)
  local k, f = L.index, {}
  f[#f + 1] = { name = "a" .. k, count = L.n_out, comment = string.format("a^%d = σ(w·a^%d + b)  scale", k, k - 1) }
  if L.store_z then f[#f + 1] = { name = "z" .. k, count = L.n_out, comment = string.format("z^%d (for the cost)", k) } end
  if gen.mode == "train" then
    f[#f + 1] = { name = "d" .. k, count = L.n_out, comment = string.format("∂C/∂a^%d, then δ^%d", k, k) }
  end
  return f
end

-- signature(L, pass, gen) -> what the pass's function takes: { p (the
-- parameter vector), x (the network input, when the layer reads it), g
-- (the gradient), batched (once for the chunk, taking the work struct and
-- n, rather than once per sample taking its part w), x_name, work_name
-- (the names a batched function gives them), key (a batched forward that
-- draws random numbers in training: it takes `key`, the key of the chunk's
-- sample 0, null outside training; see layer/dropout.lua) }.  The default (registry):
-- per sample; p where the layer has weights (backward: and propagates δ
-- through them), x for layer 1 (backward: with weights, for ∂C/∂w), g with
-- weights.  Inference code drops p (the weights are baked in), and a
-- per-sample function that uses scratch fields gets the whole work struct
-- as ws besides: emit.lua adds those.  The backward here reads a^{l-1}
-- for ∂C/∂w, so it takes x as layer 1, and w for the δ it propagates.
function M.signature(L, pass)
  local fwd = pass == "forward"
  return { p = fwd or L.propagate, x = L.src == "x", g = not fwd, batched = false, x_name = "x", work_name = "w" }
end

-- env(L, gen, v): the names the templates use besides the common ones (v
-- already has P, l, L, real, lit, zero, act, fwd_params, bwd_params,
-- wbase and bref(i) (where the weights and biases are), include(name,
-- indent, extra) (another template of this kind), forms, chunk, unroll,
-- train, pool_act ...; see emit.lua's layer_vars).  Names for C text that
-- depends on the options belong here, computed from gen, not on L.
function M.env(L, gen, v)
  v.plane = L.h * L.w
  function v.at(c) return cfmt.offset("c*" .. v.plane, c) end
end

-- template_text(name) -> the text of templates/<name>, or nil.  The
-- default reads the templates built into cnngen; a kind defined outside
-- the tree (a test's) can carry its templates as strings instead.
function M.template_text(name)
  return require("embedded").read("templates/" .. name)
end

-- cost_gives_delta(L): as the last layer, whether the cost computes δ^L
-- (BP1, which needs the layer's σ); else the cost writes ∂C/∂a^L and the
-- layer's backward carries it on.  Default: L.act ~= nil.
function M.cost_gives_delta(L) return L.act ~= nil end

-- takes_softmax(L): whether act = "softmax" is allowed (the layer's
-- forward computes it).  Default false.
function M.takes_softmax() return false end

-- routes_to_winners(L): whether δ flows back only to the winners the
-- forward recorded in the mask m<l> (of type L.mask_type), so that the
-- layer below may read the mask and d<l> itself (a max-pool).  Default false.
function M.routes_to_winners() return false end

-- commutes_with_monotone(L): whether f(σ(a)) = σ(f(a)) for every σ that
-- never decreases, so that the layer below may leave its σ to this one,
-- which then applies it to its output (max does; a mean does not).
-- Default false.
function M.commutes_with_monotone() return false end

-- does_backward_of_next(L, gen): whether L's backward also does the
-- backward of the layer above, which then has none (conv's pooled forms
-- under a max-pool).  Default false.
function M.does_backward_of_next() return false end

-- int8(L): what --quantize int8 does with the layer (quant.lua):
--   "weights"     its weights are quantized and its input calibrated (its
--                 forward form "int8" sums int8 products in ints);
--   "monotone"    it commutes with the quantizer: it runs its float form on
--                 int8 values in the representation of its output;
--   "requantize"  its input is calibrated on its own, its "int8" form
--                 computes the int8 output from the int8 input;
--   "refuse"      --quantize int8 is refused with one line naming the layer.
-- Default "refuse".
function M.int8() return "refuse" end

-- int8_rows(L) -> K, KP: for a "weights" layer, the products in one of its
-- sums and the length of its int8 weight rows (KP >= K, zeros past K).
-- Default K = wcount / bcount, KP = K.
function M.int8_rows(L) return L.wcount // L.bcount, L.wcount // L.bcount end

-- inner(L): whether the layer acts on the output of the layer below for
-- the one above, so that it can be neither the first nor the last layer
-- (check.lua refuses it there, one line).  Default false.
function M.inner() return false end

-- identity_at_inference(L): whether the layer is a^l = a^{l-1} outside
-- training (dropout): inference code, and the calibration build of int8
-- code, leave it out (shape.for_inference), and the architecture hash of
-- weights files skips it, so weights trained with it load without it.
-- Default false.
function M.identity_at_inference() return false end

-- int8_work(L, gen) -> the layer's fields in int8 code besides its output
-- (quant.work adds a<l>, typed by the plan): scratch, padded copies ...
-- Default none.
function M.int8_work() return {} end

return M
