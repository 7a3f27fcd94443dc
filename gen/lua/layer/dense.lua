-- layer/dense.lua: the fully connected layer.
--   dense { units = n, act = "..." }
-- It reads its input flattened in [channel][row][col] order, which is the
-- order every activation buffer already has.
local err = require("err")
local cfmt = require("cfmt")
local blocks = require("blocks")

-- the fewest inputs for which a one-sample forward takes ONE_UNITS units
-- at a time, its blocks visited first to last and last to first in turn
-- (one_block below)
local ONE_MIN = 1024
local ONE_UNITS = 12

-- one_block(L, gen) -> the units in whole blocks of ONE_UNITS where layer
-- L's one-sample forward (inference) takes them a block at a time, or
-- false (env.one_units below says why)
local function one_block(L, gen)
  return gen.real == "float" and L.units >= ONE_UNITS and L.n_in >= ONE_MIN
         and L.units - L.units % ONE_UNITS
end

local M = {}

M.example = 'dense { units = 100, act = "sigmoid" }'

M.schema = {
  units = { type = "posint", required = true },
  act   = { type = "act", default = "sigmoid" },
}

function M.resolve(L, s)
  if L.units > 2^28 then       -- shape.lua's limit; also keeps the counts below from overflowing
    err.at(L.line, "%s: %d units are more than cnngen's limit of %d values per sample", L.what, L.units, 2^28 // 1)
  end
  L.n_in = s[1] * s[2] * s[3]
  L.n_out = L.units
  L.out = { L.units, 1, 1 }
  L.wcount, L.bcount, L.fan_in = L.units * L.n_in, L.units, L.n_in
  L.macs_fwd = L.units * L.n_in
  L.desc = string.format("dense %d, %s: [%d] -> [%d]", L.units, L.act, L.n_in, L.units)
  L.wlayout = string.format("w [%d][%d], b [%d]", L.units, L.n_in, L.units)
end

function M.place(L)
  L.macs_bwd = L.macs_fwd * (L.propagate and 2 or 1)
end

-- the straight-line forms' local arrays hold a chunk's sums (or δ) of
-- every unit: for chunks of ZMIN samples or more, up to 8192 of them
local ZMIN = 4
local function zlocal(L, chunk) return chunk >= ZMIN and chunk * L.units <= 8192 end

-- The --unroll kernel backward with both factors of its products in
-- local arrays (dense_backward_local): for chunks whose δ fit a local
-- array as the forward's sums do, and not under relu, whose many zero δ
-- the other form skips (measured on nielsen2: the local arrays 3% slower
-- there)
local function blocal(L, chunk) return zlocal(L, chunk) and L.act ~= "relu" end

-- the step's one pass over w for a whole chunk keeps 2 vectors a sample
-- (a^{l-1}_s[u..] and ∂C/∂a^{l-1}_s[u..]) in registers: up to 10 samples
-- of floats (AVX-512's 32 registers; more spill)
local function one_pass(gen) return gen.chunk <= 10 and gen.real == "float" end


-- Forms.  Forward: "vectors" (loops: blocks of units x samples in vector
-- sums, from 32 inputs), "trees" (sums of 32 products as balanced trees,
-- straight from memory), "local" (--unroll kernel: the same sums with both
-- factors in local arrays, for chunks of ZMIN samples or more, else as
-- "trees"), "unrolled" (--unroll full: every input written out), "int8".
-- Backward: "vectors" (loops), "local" (local arrays, for chunks of ZMIN
-- or more, else as "lists"), "lists" (over the δ ≠ 0 only).
function M.forms(L, gen)
  local f = {}
  if gen.q8 then
    f.forward = "int8"
  elseif gen.unroll == "none" and L.n_in >= 32 then
    f.forward = "vectors"
  elseif gen.unroll == "full" then
    f.forward = "unrolled"
  elseif gen.unroll == "kernel" and zlocal(L, gen.chunk) then
    f.forward = "local"
  else
    f.forward = "trees"
  end
  -- step: the backward fused with the SGD step of the weights, for a
  -- mini-batch of one whole chunk (emit.lua's train_chunk; the loop form,
  -- where the one pass fits the registers); its functions <kind>_delta and
  -- <kind>_team also serve the threads' team step (δ by samples, w by
  -- rows)
  if gen.mode == "train" and gen.unroll == "none" and one_pass(gen) and gen.chunk >= 2 then
    f.step = "vectors"
  end
  -- team_forward: for the threads' team step (emit.lua's team_code, in the
  -- JIT unit alone), the forward of a hidden layer split as its step is,
  -- by rows of w, so that each thread reads only the rows it updates.
  -- Split by columns (partial sums, added up after a second barrier) it
  -- paid only from nielsen1's 288000 weights up; by rows, measured with 2
  -- threads against the forward sample by sample: nielsen2 1.06x, lenet5
  -- 1.02-1.14x, keras 1.01x
  if f.step and not L.is_output then
    f.team_forward = "vectors"
  end
  -- team_din: the team step's ∂C/∂a^{l-1}, the threads' sums over their
  -- rows added up for a thread's own samples (JIT unit alone)
  if f.step and L.propagate then
    f.team_din = "vectors"
  end
  if gen.mode ~= "train" then
    f.backward = false
  elseif gen.unroll == "none" then
    f.backward = "vectors"
  else
    f.backward = blocal(L, gen.chunk) and "local" or "lists"
  end
  return f
end

-- A dense layer runs once for all the samples of a chunk (its functions
-- take the whole work struct and n): each weight is loaded once per chunk,
-- not once per sample.
function M.signature(L, pass)
  local fwd = pass == "forward"
  if pass == "step" then       -- writes the weights: p, and the step's decay and step
    return { p = true, update = true, x = L.src == "x", g = true, batched = true, x_name = "x", work_name = "w" }
  end
  return { p = fwd or L.propagate, x = L.src == "x", g = not fwd, batched = true, x_name = "x", work_name = "w" }
end

-- the softmax output layer is a dense one (its forward computes it)
function M.takes_softmax() return true end

-- int8: the weights are quantized, the input calibrated (quant.lua)
function M.int8() return "weights" end

function M.work(L, gen)
  local k, f, mode = L.index, {}, gen.mode
  f[#f + 1] = { name = "a" .. k, count = L.n_out,
                comment = string.format("a^%d = %s(z^%d)   [%d]  dense", k,
                                        L.act == "softmax" and "softmax" or "σ", k, L.units) }
  if L.store_z then
    f[#f + 1] = { name = "z" .. k, count = L.n_out,
                  comment = string.format("z^%d (%s)", k, mode == "train" and "for the cost" or "softmax input") }
  end
  if mode == "train" then
    f[#f + 1] = { name = "d" .. k, count = L.n_out, comment = string.format("∂C/∂a^%d, then δ^%d", k, k) }
  end
  if M.forms(L, gen).forward == "vectors" and one_block(L, gen) then
    f[#f + 1] = { name = "back" .. k, count = 1, type = "unsigned char", scratch = true, pass = "forward",
                  comment = string.format("1: layer %d's next one-sample forward takes its blocks of units " ..
                                          "last to first (any value will do)", k) }
  end
  return f
end

function M.env(L, gen, env)
  env.zero = env.num.lit(0)
  if gen.q8 then return end           -- dense_forward_int8 needs none of the names below
  env.sw = "w->s[s]."                 -- sample s's fields (softmax.c.tpl)
  -- src(s): a^{l-1} of sample s, flattened (x itself for layer 1)
  function env.src(s)
    if L.src == "x" then return "x + (" .. s .. ")*" .. L.n_in end
    return string.format("w->s[%s].a%d", s, L.index - 1)
  end
  -- the forward's sums (dense_forward_units.c.tpl): over NB samples, sample
  -- s's input sums_in(s), into sample_at(s); the team forward's are the
  -- batch's (through sp, x the batch's inputs)
  env.NB, env.sums_in = "n", env.src
  function env.team_in(s)
    if L.src == "x" then return env.src(s) end
    return string.format("sp[%s]->a%d", s, L.index - 1)
  end
  -- sample_at(s): where sample s's z^l and a^l are (followed by the field's
  -- name): the work struct's, or the team forward's, the batch's sample s
  function env.sample_at(s) return "w->s[" .. s .. "]." end
  function env.team_sample(s) return "sp[" .. s .. "]->" end
  -- the backward's blocks of inputs u (16 at a time, then the rest) and of
  -- units (8 at a time)
  env.ublocks16 = blocks.blocks(L.n_in, 16)
  env.gblocks = blocks.blocks(L.units, 8)
  -- ∂C/∂a^{l-1} takes SBD samples at a time: a divisor of the chunk (no
  -- remainder for a full chunk), at most 8 (measured on nielsen1, chunk 10:
  -- 5 at a time 5% faster than 4 with two left over)
  env.SBD = blocks.divisor_at_most(env.chunk, 8)
  -- src_at(s, i): a^{l-1}_s[i] of sample s of the step's batch (x: its
  -- inputs, back to back; sp[s]: the sample, in one work struct or in
  -- several threads')
  function env.src_at(s, i)
    if L.src == "x" then return string.format("x[%s*%d + %s]", s, L.n_in, i) end
    return string.format("sp[%s]->a%d[%s]", s, L.index - 1, i)
  end
  -- the team step's share of the inputs: whole blocks of 16 (ublocks16's
  -- first), the rest (a block of fewer) to the last thread
  env.whole16 = L.n_in - L.n_in % 16
  -- gsum: ∂C/∂w[o][u+v] = Σ_s δ_s[o]·a^{l-1}_s[u+v], the samples in order
  local terms = {}
  for s = 0, env.chunk - 1 do terms[#terms + 1] = string.format("e%d * i%d[v]", s, s) end
  local rows = {}
  for k = 1, #terms, 4 do rows[#rows + 1] = table.concat(terms, " + ", k, math.min(k + 3, #terms)) end
  env.gsum = table.concat(rows, "\n" .. string.rep(" ", 41) .. "+ ")
  -- the forward's blocks of units: 8 at a time (x 2 samples: 16 vector sums;
  -- measured 1.6x faster than 2 x 2 on nielsen1's 2880 -> 100), then the rest;
  -- in float code, 5 samples at a time go as 4 units x 5 (20 vector sums,
  -- each weight vector loaded serving 5 samples: the weights come from L2,
  -- and 8 x 2 read more of them than the cache gives in a cycle): measured on
  -- an AVX-512 Xeon, nielsen1's step 1.08x, keras 1.02-1.04x, lenet5 and
  -- nielsen2 the same (5 x 5 no faster, 4 x 4, 3 x 5, 6 x 3, 6 x 4, 2 x 5
  -- slower).  A single sample keeps 8 units (8 chains of FMAs), but in
  -- float code a call for one sample alone (inference) with long rows
  -- takes ONE_UNITS units at a time (one_units: the units in whole blocks):
  -- measured on an AVX-512 Xeon, nielsen1's 2880 -> 100 at batch 1 in
  -- blocks of 16 8.3 against 9.5 us for 8 (12 units 8.6, 4 units 9.3);
  -- on Zen 5, where its 1.13 MB of w come from L3, fewer streams read
  -- faster (rows of w from L3 in blocks of 8 0.84x the time of 16, and
  -- 12 as fast as 8: docs/performance.md).  With short rows the sums of the
  -- vectors at the end cost more (lenet5's 400 -> 120 and 120 -> 84 in
  -- blocks of 16: its inference 1.05x slower), so rows of at least
  -- ONE_MIN inputs.  The blocks go first to last and last to first in
  -- turn, call after call (a byte in the work struct, back<l>): w larger
  -- than L2 is read in an order that meets first the rows the last call
  -- read last, the ones L2 still holds (blocks of 12 both ways: nielsen1's
  -- dense forward 0.79x the time of 16 in a driver, its inference 0.88x
  -- in cnngen bench on a quiet host, no gain on a noisy one); each unit's
  -- sum is the same in either order
  env.oblocks = blocks.blocks(L.units, 8)
  -- (5 samples at a time where a chunk holds 5: below that the blocks of 5
  -- could never run, and gcc -O2 warns of their samples past the chunk)
  env.sb5 = gen.real == "float" and env.chunk >= 5
  env.one_units, env.one_block = one_block(L, gen), ONE_UNITS
  -- the straight-line backward (--unroll kernel and full): the lists
  -- dk/xk hold up to a chunk's samples (∂C/∂w) or the units (∂C/∂a^{l-1})
  local klist = math.max(env.chunk, L.propagate and L.units or 1)
  env.klist = klist
  -- axpy(indent): t[u] += Σ_k dk[k]·xk[k][u] for u < n_in: 16 terms of k a
  -- statement, then 8, 4, 2, 1 (measured on nielsen1's ∂C/∂a: 16 1.05x
  -- faster than 8, 8 1.07x than 4; blocks longer than the list are left
  -- out), 16 u a block at constant offsets from its pointers.  Each statement adds its terms to t[u] one by one, in the
  -- order of k (t[u] + d0·a0 + d1·a1 ...), so that ∂C/∂w sums the samples
  -- in the same order whatever the chunk (bit for bit: test_chunk.c)
  local AXPY_BLOCKS = { 16, 8, 4, 2, 1 }
  function env.axpy(indent)
    local R, out = env.real, {}
    local function add(depth, fmt, ...) out[#out + 1] = indent .. string.rep("    ", depth) .. string.format(fmt, ...) end
    local sizes = {}   -- those no longer than the list (gcc -O2 warns of reads past dk)
    for _, sb in ipairs(AXPY_BLOCKS) do
      if sb <= klist then sizes[#sizes + 1] = sb end
    end
    for bi, sb in ipairs(sizes) do
      local ds, xs, as = {}, {}, {}
      for q = 0, sb - 1 do
        local k = q == 0 and "k" or ("k + " .. q)
        ds[#ds + 1] = string.format("d%d = dk[%s]", q, k)
        xs[#xs + 1] = string.format("*x%d = xk[%s]", q, k)
        as[#as + 1] = string.format("*a%d = x%d + u", q, q)
      end
      add(0, "for (%s; %s < nk; %s) {", bi == 1 and "k = 0" or "", sb > 1 and ("k + " .. (sb - 1)) or "k",
          sb > 1 and ("k += " .. sb) or "++k")
      add(1, "const %s %s;", R, table.concat(ds, ", "))
      add(1, "const %s %s;", R, table.concat(xs, ", "))
      for _, b in ipairs(blocks.blocks(L.n_in, 16)) do
        add(1, "for (u = %d; u < %d; u += %d) {", b.from, b.to, b.size)
        add(2, "%s *tu = t + u;", R)
        add(2, "const %s %s;", R, table.concat(as, ", "))
        for v = 0, b.size - 1 do
          local terms = {}
          for q = 0, sb - 1 do terms[#terms + 1] = string.format("d%d*a%d[%d]", q, q, v) end
          add(2, "tu[%d] = tu[%d] + %s;", v, v, table.concat(terms, " + "))
        end
        add(1, "}")
      end
      add(0, "}")
    end
    return table.concat(out, "\n")
  end
  -- The straight-line forward's sum z = b + Σ_u w[o][u]·a[u] (wo =
  -- w[o], in = a): products 8 a statement, taking turns among 4 partial
  -- sums z0..z3 (short chains of dependent additions under tcc).
  local nz = math.min(4, (L.n_in + 7) // 8)
  local function decl_sums(indent)
    local zs = {}
    for q = 0, nz - 1 do zs[#zs + 1] = "z" .. q end
    return indent .. env.real .. " " .. table.concat(zs, " = " .. env.zero .. ", ") .. " = " .. env.zero .. ", z;"
  end
  local function add_sums(lines, indent, w, x, from, to)
    for u0 = from, to - 1, 8 do
      local t = {}
      for u = u0, math.min(u0 + 7, to - 1) do t[#t + 1] = string.format("%s[%d]*%s[%d]", w, u, x, u) end
      lines[#lines + 1] = string.format("%sz%d += %s;", indent, (u0 - from) // 8 % nz, table.concat(t, " + "))
    end
  end
  local function total(indent)
    return string.format("%sz = %s + %s;", indent, env.bref("o"),
                         ({ "z0", "(z0 + z1)", "((z0 + z1) + z2)", "((z0 + z1) + (z2 + z3))" })[nz])
  end
  -- The --unroll kernel forward with inputs and weights in local arrays
  -- (zl holds chunk x units sums: up to 8192 of them, else the blocked
  -- form above): xblock_sums(indent, size) adds one block of `size` inputs
  -- to every sample's sum, one statement a sample (those past the first
  -- zmin only when the chunk has that sample: a partial chunk costs less)
  env.zmin = ZMIN
  env.zlocal = zlocal(L, env.chunk)
  -- measured on nielsen1 under tcc, the sums as balanced trees: 32 inputs
  -- a block 1.01x faster training than 16 (the forward alone 1.07x), 48 no
  -- better (with chains of additions, 16 had been 1.2x faster than 32)
  env.xbw = 32
  env.xblocks = blocks.blocks(L.n_in, env.xbw)
  function env.xblock_sums(indent, size)
    local lines = {}
    for v = 0, size - 1 do lines[#lines + 1] = string.format("wb[%d] = wu[%d];", v, v) end
    lines = { cfmt.wrap(lines, indent, 110) }
    for s = 0, env.chunk - 1 do
      local t = {}
      for v = 0, size - 1 do t[#t + 1] = string.format("wb[%d]*xb[%d][%d]", v, s, v) end
      cfmt.wrap_sum(lines, indent, string.format("%szo[%d] += %s;", s >= env.zmin and ("if (n > " .. s .. ") ") or "",
                                                 s * L.units, cfmt.tree_sum(t)))
    end
    return table.concat(lines, "\n")
  end
  -- xcopy(indent, size): xb[s][v] = a^{l-1}_s[u+v], v < size, for each
  -- sample s of the chunk (past the first zmin: only when n has it)
  function env.xcopy(indent, size)
    local lines = {}
    for s = 0, env.chunk - 1 do
      local cp = {}
      for v = 0, size - 1 do cp[#cp + 1] = string.format("xb[%d][%d] = c[%d];", s, v, v) end
      lines[#lines + 1] = indent .. (s < env.zmin and "{" or string.format("if (n > %d) {", s))
      lines[#lines + 1] = string.format("%s    const %s *c = %s + u;", indent, env.real, env.src(tostring(s)))
      lines[#lines + 1] = cfmt.wrap(cp, indent .. "    ", 110)
      lines[#lines + 1] = indent .. "}"
    end
    return table.concat(lines, "\n")
  end
  -- dcopy(indent): ds[s] = dq[s] for the chunk's samples
  function env.dcopy(indent)
    local cp = {}
    for s = 0, env.chunk - 1 do cp[#cp + 1] = string.format("ds[%d] = dq[%d];", s, s) end
    return cfmt.wrap(cp, indent, 110)
  end
  -- bgrad1(indent, size): gu[v] += Σ_s ds[s]·xb[s][v], the samples in order
  function env.bgrad1(indent, size)
    local lines = {}
    for v = 0, size - 1 do
      local t = {}
      for s = 0, env.chunk - 1 do t[#t + 1] = string.format("ds[%d]*xb[%d][%d]", s, s, v) end
      cfmt.wrap_sum(lines, indent, string.format("gu[%d] = gu[%d] + %s;", v, v, table.concat(t, " + ")))
    end
    return table.concat(lines, "\n")
  end
  -- ... and its ∂C/∂a^{l-1}: 16 units a block
  env.dblocks = blocks.blocks(L.units, 16)
  -- dbcopy(indent, size): db[s][q] = δ_s[o+q] (dq[q*chunk + s]), q < size
  function env.dbcopy(indent, size)
    local cp = {}
    for s = 0, env.chunk - 1 do
      for q = 0, size - 1 do cp[#cp + 1] = string.format("db[%d][%d] = dq[%d];", s, q, q * env.chunk + s) end
    end
    return cfmt.wrap(cp, indent, 110)
  end
  -- wccopy(indent, size): wc[q] = w[o+q][u] (wq[q*n_in])
  function env.wccopy(indent, size)
    local cp = {}
    for q = 0, size - 1 do cp[#cp + 1] = string.format("wc[%d] = wq[%d];", q, q * L.n_in) end
    return cfmt.wrap(cp, indent, 110)
  end
  -- bprop1(indent, size): ∂C/∂a_s[u] += Σ_q db[s][q]·wc[q], each sample of the chunk
  function env.bprop1(indent, size)
    local lines = {}
    for s = 0, env.chunk - 1 do
      local t = {}
      for q = 0, size - 1 do t[#t + 1] = string.format("db[%d][%d]*wc[%d]", s, q, q) end
      cfmt.wrap_sum(lines, indent, string.format("%stp[%d][u] = tp[%d][u] + %s;",
                                                 s >= env.zmin and ("if (n > " .. s .. ") ") or "", s, s,
                                                 table.concat(t, " + ")))
    end
    return table.concat(lines, "\n")
  end
  -- xblocked_dot(indent): the local-array form's sum from memory (fewer
  -- than zmin samples, or more sums than the local array holds):
  -- z = b + (0 + Σ block 0 + Σ block 1 ...), each block of xbw inputs
  -- summed as xblock_sums does (the same additions in the same order: the
  -- result does not depend on the chunk)
  function env.xblocked_dot(indent)
    local lines = { string.format("%s%s z = %s;", indent, env.real, env.zero) }
    for _, b in ipairs(env.xblocks) do
      lines[#lines + 1] = string.format("%sfor (u = %d; u < %d; u += %d) {", indent, b.from, b.to, b.size)
      lines[#lines + 1] = string.format("%s    const %s *wu = wo + u, *xu = in + u;", indent, env.real)
      local t = {}
      for v = 0, b.size - 1 do t[#t + 1] = string.format("wu[%d]*xu[%d]", v, v) end
      cfmt.wrap_sum(lines, indent .. "    ", "z += " .. cfmt.tree_sum(t) .. ";")
      lines[#lines + 1] = indent .. "}"
    end
    lines[#lines + 1] = string.format("%sz = %s + z;", indent, env.bref("o"))
    return table.concat(lines, "\n")
  end
  -- dot(indent): every u written out (--unroll full)
  function env.dot(indent)
    local lines = { decl_sums(indent) }
    add_sums(lines, indent, "wo", "in", 0, L.n_in)
    lines[#lines + 1] = total(indent)
    return table.concat(lines, "\n")
  end
end

return M
