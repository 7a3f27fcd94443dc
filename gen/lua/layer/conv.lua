-- layer/conv.lua: the convolutional layer.
--   conv { maps = M, kernel = k | {kh, kw}, stride = s | {sh, sw}, pad = p | "same", act = "..." }
-- Owns its schema, its shape rule, its forms, its work-struct fields and
-- the environment its templates (templates/conv_*.c.tpl) see.
local err = require("err")
local cfmt = require("cfmt")
local blocks = require("blocks")

-- (required when called: registry.lua requires this module)
local function registry() return require("registry") end

local M = {}

M.example = 'conv { maps = 20, kernel = 5, act = "sigmoid" }'

M.schema = {
  maps   = { type = "posint", required = true },
  kernel = { type = "pair", required = true },
  stride = { type = "pair", default = function() return { 1, 1 } end },
  pad    = { type = "pad", default = 0 },
  act    = { type = "act", default = "sigmoid" },
}

-- the most weights a conv layer may have for the position-by-position
-- straight-line forward (its code holds one product per weight)
local PMAJOR_MAX = 1024

-- at most this many bytes of patches in the int8 code (conv_forward_int8) ...
local PATCH_BYTES = 8192
-- ... for at most 64 outputs at a time, at least 16
local PATCH_BLOCK = 64

-- winners_above(L) -> the layer above L when it routes δ to the winners
-- of its forward alone (a max-pool): δ^l is 0 but at its winners (the
-- patches form's ∂C/∂w then runs over the winners alone)
local function winners_above(L)
  local up = L.next
  return up ~= nil and registry().of(up).routes_to_winners(up) and up or nil
end

-- REGION_MAX: the most vectors of 16 values a pool's region of ∂C/∂a^{l-1}
-- may take in registers (of 32 on AVX-512, with a broadcast δ besides);
-- REGION_WEIGHTS: the most values the weights' copies may take (32 KB of
-- float, in a 48 KB L1 data cache beside the input and its gradient: every
-- pool reads the weights of every map)
local REGION_MAX, REGION_WEIGHTS = 24, 8192

-- regions(L) -> the pooled_channels form's pool regions, or nil.  Under a
-- max-pool, every pool has one winner in each map, and the winners of one
-- pool have their patches in one region of the input: kh + (pkh − 1)·sh
-- rows of (kw + (pkw − 1)·sw)·cin values.  Where that region fits in
-- registers, ∂C/∂a^{l-1} is summed there over the pool's winners of every
-- map and added to memory once a pool, instead of each winner's patch
-- being read, added to and written back (a store a vector and winner,
-- unaligned: the stores bound lenet5's second conv backward, 7.6 -> 5.2
-- us a sample on Zen 5).  Fields: rh rows of vr values (whole vectors),
-- the kernel rows placed in them at each of the pool's pkw columns (the
-- weights' copies, wr<l>).
local function regions(L)
  local Q = winners_above(L)
  if not Q then return nil end
  local rh = L.kh + (Q.kh - 1) * L.sh
  local rw = (L.kw + (Q.kw - 1) * L.sw) * L.cin
  local vr = blocks.whole_vectors(rw)
  if rh * vr // 16 > REGION_MAX or L.maps * Q.kw * L.kh * vr > REGION_WEIGHTS
     or blocks.whole_vectors(L.kw * L.cin) > 256 then
    return nil
  end
  -- dcl<l> as far as the last pool's region reaches (its last row's
  -- vectors), 16 past the rows at least
  local hwc, wc = L.H * L.W * L.cin, L.W * L.cin
  local top = ((Q.oh - 1) * Q.sh * L.sh + rh - 1) * wc + (Q.ow - 1) * Q.sw * L.sw * L.cin + vr
  return { rh = rh, rw = rw, vr = vr, pkh = Q.kh, pkw = Q.kw, psh = Q.sh, psw = Q.sw,
           dcl = math.max(top, hwc + 16) }
end

-- same_pads(n, k, s) -> the zeros before and after an input of n for
-- pad = "same" (TensorFlow's rule): out = ceil(n/s), the windows need
-- total = max((out - 1)·s + k − n, 0) more, half of it (rounded down)
-- before, the rest after; with stride 1, (k − 1)/2 on each side
local function same_pads(n, k, s)
  local total = math.max(((n + s - 1) // s - 1) * s + k - n, 0)
  return total // 2, total - total // 2
end

-- resolve(L, shape): fill in L's shapes from its input shape {c, h, w}.
-- The zeros around the input: L.pt, L.pb rows above and below, L.pl, L.pr
-- columns left and right (all L.pad, or pad = "same"'s); L.padded
function M.resolve(L, s)
  L.cin, L.h, L.w = s[1], s[2], s[3]
  L.kh, L.kw = L.kernel[1], L.kernel[2]
  L.sh, L.sw = L.stride[1], L.stride[2]
  if L.pad == "same" then
    if L.kh % 2 == 0 or L.kw % 2 == 0 then
      err.at(L.line, '%s: pad = "same" needs an odd kernel, got %dx%d (the zeros cannot be centred; ' ..
             'give pad as a number, or use a kernel of %dx%d)', L.what, L.kh, L.kw,
             L.kh + 1 - L.kh % 2, L.kw + 1 - L.kw % 2)
    end
    L.pt, L.pb = same_pads(L.h, L.kh, L.sh)
    L.pl, L.pr = same_pads(L.w, L.kw, L.sw)
  else
    L.pt, L.pb, L.pl, L.pr = L.pad, L.pad, L.pad, L.pad
  end
  L.padded = L.pt + L.pb + L.pl + L.pr > 0
  -- sizes past shape.lua's limit are refused here, in floats, before any
  -- integer product below could overflow
  if L.cin * (L.h + 1.0 * L.pt + L.pb) * (L.w + 1.0 * L.pl + L.pr) > 2^28 then
    err.at(L.line, "%s: pad %s makes the padded input larger than cnngen's limit of %d values per sample",
           L.what, L.pad, 2^28 // 1)
  end
  L.H, L.W = L.h + L.pt + L.pb, L.w + L.pl + L.pr       -- padded input
  if L.kh > L.H or L.kw > L.W then
    err.at(L.line, "%s: kernel %dx%d is larger than its input %dx%d%s; use a kernel of at most %dx%d",
           L.what, L.kh, L.kw, L.H, L.W,
           L.padded and string.format(" (%dx%d padded by %s)", L.h, L.w, L.pad) or "", L.H, L.W)
  end
  -- a pad as large as the kernel is accepted, as PyTorch accepts it: the
  -- outputs whose window sees only zeros are σ(b)
  L.oh = (L.H - L.kh) // L.sh + 1
  L.ow = (L.W - L.kw) // L.sw + 1
  -- the rows and columns of the input (not of the zeros after it) that no
  -- kernel reaches (the output size rounds down, as PyTorch's)
  L.drop = { math.max(L.H - L.pb - ((L.oh - 1) * L.sh + L.kh), 0),
             math.max(L.W - L.pr - ((L.ow - 1) * L.sw + L.kw), 0) }
  if L.maps * 1.0 * L.oh * L.ow > 2^28 then
    err.at(L.line, "%s: the output [%d][%d][%d] is larger than cnngen's limit of %d values per sample" ..
           " (use fewer maps or a larger stride)", L.what, L.maps, L.oh, L.ow, 2^28 // 1)
  end
  L.out = { L.maps, L.oh, L.ow }
  L.ckk = L.cin * L.kh * L.kw
  -- maps handled together by the loop form (--unroll none): each input
  -- value loaded serves this many maps
  L.mb = (L.maps % 4 == 0 and 4) or (L.maps % 3 == 0 and 3) or (L.maps % 2 == 0 and 2) or 1
  -- small output planes go through a patches matrix (im2col): the row form
  -- has too little work per row there (measured: nielsen2's second conv,
  -- 8x8 outputs, runs 6x faster as patches; 24x24 outputs run best as rows)
  L.im2col = L.mb * L.oh * L.ow <= 1024
  -- the row form's rows of sums, in whole vectors when the input is the
  -- zero-padded copy x<l> (its sums past the row are never stored; the
  -- copy has slack for the reads past its last row): with a row of 28,
  -- lenet5's first conv, training 1.09x.  Without padding, a row that
  -- would end in fewer sums than a vector of 8 (keras' first conv: 26 = 16
  -- + 8 + 2, and gcc keeps such rows of sums on the stack) is summed as
  -- whole vectors of 8 over a plain copy xr<l> with that slack (rowcopy),
  -- and stored whole, its sums past the row landing on the next row
  -- (conv_forward_rows), so a row is at least 8 long.  Measured on an
  -- AVX-512 Xeon: keras' first conv forward 11.9 -> 6.8 us a sample
  L.rowcopy = not L.padded and not L.im2col and L.ow % 8 ~= 0 and L.ow > 8
  L.owz = L.rowcopy and (L.ow + 7) // 8 * 8
          or (L.padded and not L.im2col) and blocks.whole_vectors(L.ow) or L.ow
  L.xslack = (L.owz - L.ow) * L.sw
  -- blocking of the patches form's backward (measured on nielsen2's second
  -- conv, 20x12x12 -> 40x8x8, in the whole training step): ∂C/∂w takes gmb
  -- maps x 16 taps at a time (8 vector sums: 26 us a sample, 83% of the
  -- FMA peak; 8x64 or 4x64 blocks spill and run 2x slower); ∂C/∂a^{l-1}
  -- 8 taps x 16 positions at a time
  L.gmb = blocks.divisor_at_most(L.maps, 8)
  L.gblocks = blocks.blocks(L.ckk, 16)
  -- ... and under a max-pool, over the pool winners alone, sample by
  -- sample: each patch row takes nkz values (whole vectors), and ∂C/∂w
  -- and the patches' gradients go a block of taps at a time, as even
  -- blocks of at most 8 vectors (the last block stores only the taps <
  -- ckk).  Measured in the whole training step: nielsen2 (32 vectors) 1.04x
  -- faster with blocks of 8 than of 4, 1.2x than of 2; keras (18) and
  -- lenet5 (10) the same with blocks of 4 to 8
  L.nkz = blocks.whole_vectors(L.ckk)
  L.npz = blocks.whole_vectors(L.oh * L.ow)
  L.wblocks = {}
  local nvec = L.nkz // 16
  local nblocks = (nvec + 7) // 8
  local per = (nvec + nblocks - 1) // nblocks    -- vectors a block
  for from = 0, L.nkz - 1, 16 * per do
    local size = math.min(16 * per, L.nkz - from)
    L.wblocks[#L.wblocks + 1] = { from = from, size = size, store = math.min(size, L.ckk - from) }
  end
  -- ... or, where it propagates δ and a kernel row of every channel, (j,
  -- c), rounds up to whole vectors with at most an eighth more taps in
  -- all, over the input laid out channel-last (pooled_channels): a kernel
  -- row of a patch is then a row of memory, so nothing is copied patch by
  -- patch nor added back (the copy and add-back were 38% of nielsen2's
  -- second conv backward on an AVX-512 Xeon)
  L.clrun = L.kw * L.cin
  L.clrunz = blocks.whole_vectors(L.clrun)
  L.clnkz = L.kh * L.clrunz
  L.clblocks = {}
  local clvec = L.clnkz // 16
  local clper = (clvec + (clvec + 7) // 8 - 1) // ((clvec + 7) // 8)
  for from = 0, L.clnkz - 1, 16 * clper do
    L.clblocks[#L.clblocks + 1] = { from = from, size = math.min(16 * clper, L.clnkz - from) }
  end
  L.dblocks = blocks.blocks(L.ckk, 8)
  L.pblocks = blocks.blocks(L.oh * L.ow, 16)
  -- the straight-line forward copies each map's kernel into a local array
  -- (up to this size; else it reads the weights in place)
  L.wlocal = L.ckk <= 4096
  -- ... or, with few weights in all, goes position by position with every
  -- weight and the patch in local arrays (the code has maps x ckk products)
  L.pmajor = L.maps * L.ckk <= PMAJOR_MAX
  L.wcount, L.bcount = L.maps * L.ckk, L.maps
  L.fan_in = L.ckk
  L.n_in, L.n_out = L.cin * L.h * L.w, L.maps * L.oh * L.ow
  L.macs_fwd = L.n_out * L.ckk
  local pad = L.pad
  if pad == "same" then
    pad = (L.pt == L.pb and L.pl == L.pr and L.pt == L.pl) and string.format("same (%d)", L.pt)
          or string.format("same (rows %d+%d, columns %d+%d)", L.pt, L.pb, L.pl, L.pr)
  end
  local drops = require("shape").dropped(L)
  L.desc = string.format("conv %d@%dx%d, stride %s, pad %s, %s: [%d][%d][%d] -> [%d][%d][%d]%s",
    L.maps, L.kh, L.kw, L.sh == L.sw and tostring(L.sh) or (L.sh .. "x" .. L.sw), pad, L.act,
    L.cin, L.h, L.w, L.maps, L.oh, L.ow, drops and ("; drops " .. drops) or "")
  -- the templates' comments: "2 rows and columns of zeros"
  L.pad_zeros = (L.pt == L.pb and L.pl == L.pr and L.pt == L.pl)
    and string.format("%d rows and columns of zeros", L.pt)
    or string.format("%d rows of zeros above, %d below, %d columns left and %d right", L.pt, L.pb, L.pl, L.pr)
  L.wlayout = string.format("w [%d][%d][%d][%d], b [%d]", L.maps, L.cin, L.kh, L.kw, L.maps)
end

-- The loop form's backward of a row-form conv layer under a max-pool that
-- propagates no δ (the first layer): only the pool winners have a δ ≠ 0
-- (3 of 4 are 0 under 2x2 pools), so ∂C/∂w sums over the winners, read
-- from the pool's mask and δ directly; the pool's own backward (the
-- scatter into ∂C/∂a^l) is not needed (measured: nielsen1's conv + pool
-- backward 20.6 -> 9.3 µs a sample).  Each winner's patch is read in
-- place, so the form is worth it at any number of maps (with the patches
-- copied out first it lost to the dot products below 8 maps; read in
-- place, lenet5's 6 maps train 1.16x faster, 2 or 3 maps 1.5-4x).  The
-- straight-line forms take it too (they skipped the zero δ one branch at
-- a time; measured under tcc, training 1.12x faster for nielsen1, 1.17x
-- nielsen2, 1.07x lenet5).  Small output planes (the patches form) sum
-- their ∂C/∂w over the winners in their own way (conv_backward_pooled_patches).
-- pooled(L, gen) -> the layer above, when L's backward takes this form
local function pooled(L, gen)
  if not L.propagate and (gen.unroll ~= "none" or not L.im2col) then return winners_above(L) end
  return nil
end

-- shifted_fits(L, gen) -> whether the forward takes the shifted form
-- (float code, large planes): a row of outputs that is not whole vectors
-- of 16 wastes lanes in the rows form, and at row stride 1 the shifted
-- copies make the whole plane one run of positions
local function shifted_fits(L, gen)
  return gen.real == "float" and not L.im2col and L.sh == 1 and L.ow % 16 ~= 0
end

-- Forms (templates/conv_<pass>_<form>.c.tpl).  Forward: loops for an
-- optimizing compiler (--unroll none) through a patches matrix ("patches",
-- small output planes), over kw copies of the input shifted by a column
-- each ("shifted": large planes in float code where a row is not whole
-- vectors, at row stride 1) or along output rows ("rows"); straight-line code
-- for tcc position by position ("positions", few weights) or map by map
-- ("maps"); "int8".  Backward: the loop forms "patches" (once per chunk;
-- under a max-pool, over the winners: "pooled_channels", once per chunk
-- on the input laid out channel-last, where δ^{l-1} is propagated and
-- its kernel rows (j, c) fill whole vectors, else "pooled_patches",
-- sample by sample through copied patches) and "dots";
-- the straight-line "positions" and "maps"; under a max-pool, for the
-- first layer, "pooled_rows" (loops) and "pooled_taps" (straight-line).
function M.forms(L, gen)
  local loops = gen.unroll == "none"
  local f = {}
  if gen.q8 then
    f.forward = "int8"
  elseif loops then
    f.forward = L.im2col and "patches" or shifted_fits(L, gen) and "shifted" or "rows"
  else
    f.forward = L.pmajor and "positions" or "maps"
  end
  if gen.mode ~= "train" then
    f.backward = false
  elseif loops and L.im2col then
    f.backward = not winners_above(L) and "patches"
                 or (L.propagate and 8 * L.clnkz <= 9 * L.nkz) and "pooled_channels" or "pooled_patches"
  elseif pooled(L, gen) then
    f.backward = loops and "pooled_rows" or "pooled_taps"
  elseif loops then
    f.backward = "dots"
  else
    f.backward = L.pmajor and "positions" or "maps"
  end
  return f
end

-- pool_done(L, gen) -> the max-pool above whose backward L's own does, or
-- nil: the pooled forms and the patches form under a max-pool read the
-- pool's mask and δ
local function pool_done(L, gen)
  local b = M.forms(L, gen).backward
  return pooled(L, gen) or ((b == "pooled_patches" or b == "pooled_channels") and winners_above(L)) or nil
end

function M.does_backward_of_next(L, gen)
  return gen.mode == "train" and pool_done(L, gen) ~= nil
end

-- The patches form's backward (--unroll none, small output planes, no
-- max-pool above) runs once per chunk: ∂C/∂w sums over every sample's
-- patches while each block of gradients stays in registers, and each
-- block of weights serves every sample's ∂C/∂a^{l-1}.  Everything else
-- runs sample by sample.  The
-- backward reads the input x itself where it has no padded copy.
function M.signature(L, pass, gen)
  if pass == "forward" then
    return { p = true, x = L.src == "x", g = false, batched = false, x_name = "x", work_name = "w" }
  end
  local b = M.forms(L, gen).backward
  local batched = b == "patches" or b == "pooled_channels"
  return { p = L.propagate, x = L.pin == "x", g = true, batched = batched,
           x_name = batched and "xc" or "x", work_name = batched and "ws" or "w" }
end

-- the pooled loop form's patches, read in place: each kernel row as kwp
-- values (a multiple of 8: whole vectors, read past the row's end), ks
-- sums a map
local function pooled_sizes(L)
  local kwp = (L.kw + 7) // 8 * 8
  return kwp, L.cin * L.kh * kwp
end

-- pooled_chains(L): how many winners the pooled row form sums at once,
-- each into sums of its own: 2, or more where a patch is few rows, so
-- that at least 10 vectors of sums are in flight (at most 4 chains)
local function pooled_chains(L)
  local rows = L.cin * L.kh
  local n = 2
  while n < 4 and n * rows < 10 do n = n + 1 end
  return n
end

-- Under a max-pool, σ moves up to the pool: for a σ that never decreases,
-- max σ(z) = σ(max z), so the pool takes the max of z and applies σ once
-- per pool instead of once per unit (a quarter of the calls under 2x2
-- pools), and σ'(z) at a winner is read from the pool's output.  The
-- winner is then the first max of z, not of the rounded σ(z): it differs
-- only where σ rounds two z to one value (where σ' is 0, in saturation,
-- the gradient is the same).  The float code only: the int8 code
-- quantizes σ(z) at the conv.
local function act_at_pool(L)
  local up = L.next
  return up ~= nil and registry().of(up).commutes_with_monotone(up) and
         (L.act == "sigmoid" or L.act == "tanh" or L.act == "relu")
end

-- keeps_nonzero(L): the pooled patches forms list a map's winners whose
-- δ ≠ 0 and sum over those alone: under relu, σ'(z) = 0 at about half of
-- them (the row form sums them all: its list cost more than it saved)
local function keeps_nonzero(L) return L.act == "relu" end

-- after shape.lua has placed the layer (offsets, L.src, L.propagate):
function M.place(L)
  L.act_at_pool = act_at_pool(L)
  L.macs_bwd = L.macs_fwd * (L.propagate and 2 or 1)
  L.pin = L.padded and ("w->x" .. L.index) or L.src        -- padded input
  L.dbuf = L.padded and ("ws->dx" .. L.index) or ("w->d" .. (L.index - 1))
end

-- shifted_sizes(L) -> the shifted form's blocks: maps (mblocks: 6 at a
-- time, or the largest divisor of the maps from 4 to 6) x 48 positions
-- (3 vectors) over the oh*ow positions of a map as one run; the last
-- block takes the rest in whole vectors (nv of them, storing rest) and
-- reads up to slack values past the copies' end.  Measured in a
-- stand-alone copy of nielsen1's step (gcc -O3, AVX-512 Xeon): 5 maps x 3
-- vectors 30.2-30.8 us a sample against 32.2 for the rows form's 5 maps x
-- 2 rows of 24 (16 + 8 lanes); 10 x 2 the same as 5 x 3, 5 x 4, 4 x 3
-- and 4 x 4 0.2-0.5 us slower
local function shifted_sizes(L)
  local np = L.oh * L.ow
  local full = np // 48 * 48
  local rest = np - full
  local nv = (rest + 15) // 16
  local d = blocks.divisor_at_most(L.maps, 6)
  return { np = np, full = full, rest = rest, nv = nv, slack = full + 16 * nv - np,
           mblocks = blocks.blocks(L.maps, d >= 4 and d or 6) }
end

-- patches_shifted(L, F) -> whether the patches forward reads its rows
-- from kw copies of the input shifted by a column each (rows 1 apart:
-- the row of tap (c, i, j) is then a run of the copy (c, j) starting at
-- row i) rather than from a patches matrix of c·kh·kw rows: kh times
-- fewer values copied a sample.  Measured with `cnngen bench` (AVX-512
-- Xeon): the second conv's forward, lenet5 4.78 -> 3.70 us a sample,
-- nielsen2 18.9 -> 16.6
local function patches_shifted(L, F)
  return F.forward == "patches" and L.sh == 1
end

-- xj_slack(L, F) -> the zeros after the forward's shifted copies xj<l>,
-- which the lanes past the plane read (nil: the forward takes no copies)
local function xj_slack(L, F)
  if patches_shifted(L, F) then return L.npz - L.oh * L.ow end
  if F.forward == "shifted" then return shifted_sizes(L).slack end
  return nil
end

-- work(L, gen) -> list of work-struct fields { name, count, type, comment,
-- scratch }: scratch fields are shared by the samples of a chunk (used and
-- done with inside one call), the others are per sample.  Which ones, the
-- forms say.
function M.work(L, gen)
  local k, f, F = L.index, {}, M.forms(L, gen)
  if L.padded then
    local slack = F.forward == "rows" and L.xslack or 0
    f[#f + 1] = { name = "x" .. k, count = L.cin * L.H * L.W + slack,
                  comment = string.format("a^%d zero-padded [%d][%d][%d]%s", k - 1, L.cin, L.H, L.W,
                                          slack > 0 and string.format(", then %d zeros (read past by the rows of sums)", slack) or "") }
  end
  local slack = xj_slack(L, F)
  if slack then
    local src = L.padded and ("x" .. k) or ("a^" .. (k - 1))
    f[#f + 1] = { name = "xj" .. k, count = L.cin * L.kw * L.H * L.ow + slack, scratch = true, pass = "forward",
                  comment = string.format("%s shifted: xj%d[c][j][y][x] = %s[c][y][%s+j]%s", src, k, src,
                                          cfmt.mul(L.sw, "x"), slack > 0 and
                                          string.format(", then %d zeros (read past by the last vector)", slack) or "") }
  end
  if F.forward == "rows" and L.rowcopy then
    f[#f + 1] = { name = "xr" .. k, count = L.cin * L.h * L.w + L.xslack, scratch = true, pass = "forward",
                  comment = string.format("a^%d, then %d zeros (read past by the rows of sums)", k - 1, L.xslack) }
  end
  -- patches: the patches forms (forward and backward, one matrix per
  -- sample for the backward) and the dots backward (∂C/∂w as dot products
  -- along the patches' rows).  The pooled rows read them in place from a
  -- copy of the input that whole-vector rows may read past.  Under a
  -- max-pool, the patches form's backward takes one sample's patches at a
  -- time, a row of nkz values (whole vectors) an output position, their
  -- gradients in dt<l>, and each pool winner's row and δ in wo<l>, wd<l>
  if F.backward == "pooled_rows" then
    local kwp = pooled_sizes(L)
    f[#f + 1] = { name = "xs" .. k, count = L.cin * L.H * L.W + kwp, scratch = true, pass = "backward",
                  comment = string.format("a^%d%s, then %d zeros (read past by the patch rows)", k - 1,
                                          L.padded and " zero-padded" or "", kwp) }
    local Q = winners_above(L)
    f[#f + 1] = { name = "wo" .. k, count = Q.oh * Q.ow, type = "int", scratch = true, pass = "backward",
                  comment = string.format("a map's pool winners: their patch's place in xs%d", k) }
    f[#f + 1] = { name = "wd" .. k, count = Q.oh * Q.ow, scratch = true, pass = "backward",
                  comment = string.format("and their δ^%d", k) }
  elseif F.forward == "patches" or F.backward == "dots" then
    local rows = F.backward == "pooled_patches"
    local fwd = F.forward == "patches" and not patches_shifted(L, F)          -- the forward's patches matrix
    local bwd = F.backward == "dots" or F.backward == "patches" or rows       -- the backward's
    local yx = string.format("[%s+i][%s+j]", cfmt.mul(L.sh, "y"), cfmt.mul(L.sw, "x"))
    if fwd or bwd then
      local count = math.max(fwd and L.ckk * L.npz or 0,
                             bwd and (rows and L.nkz * L.oh * L.ow or L.ckk * L.oh * L.ow) or 0)
      f[#f + 1] = { name = "t" .. k, count = count, scratch = true,
                    per_chunk = F.backward == "patches",
                    pass = not fwd and "backward" or (not bwd and "forward" or nil),
                    comment = string.format("patches: t%d[c][i][j][y][x] = a^%d[c]%s%s", k, k - 1, yx,
                                            rows and string.format("; backward: t%d[y][x][(c,i,j) < %d]", k, L.nkz) or "") }
    end
  end
  if F.backward == "pooled_channels" then
    local hwc = L.H * L.W * L.cin
    f[#f + 1] = { name = "cl" .. k, count = hwc + 16, scratch = true, pass = "backward",
                  comment = string.format("a^%d%s channel-last, [%d][%d][%d], then 16 zeros (read past by the kernel rows)",
                                          k - 1, L.padded and " zero-padded" or "", L.H, L.W, L.cin) }
    local R = regions(L)
    if R then
      local Q = winners_above(L)
      local nwin = Q.oh * Q.ow
      f[#f + 1] = { name = "dcl" .. k, count = R.dcl, scratch = true, pass = "backward",
                    comment = string.format("∂C/∂cl%d, then %d that the pools' regions add 0 to", k, R.dcl - hwc) }
      f[#f + 1] = { name = "wr" .. k, count = L.maps * R.pkw * L.kh * R.vr, scratch = true, pass = "backward",
                    comment = string.format("w^%d as [%d][dx < %d][%d][%d]: kernel row (j,c) from %d·dx, 0 elsewhere",
                                            k, L.maps, R.pkw, L.kh, R.vr, L.sw * L.cin) }
      f[#f + 1] = { name = "rd" .. k, count = nwin * R.pkh * L.maps, scratch = true, pass = "backward",
                    comment = string.format("each pool's winners' δ^%d, [pool][dy < %d][%d], by their row in the pool", k, R.pkh, L.maps) }
      f[#f + 1] = { name = "ro" .. k, count = nwin * R.pkh * L.maps, type = "int", scratch = true, pass = "backward",
                    comment = string.format("and their weights' place in wr%d", k) }
      f[#f + 1] = { name = "rn" .. k, count = nwin * R.pkh, type = "int", scratch = true, pass = "backward",
                    comment = string.format("how many winners of each pool and row rd%d, ro%d hold", k, k) }
    else
      f[#f + 1] = { name = "dcl" .. k, count = hwc + 16, scratch = true, pass = "backward",
                    comment = string.format("∂C/∂cl%d, then 16 that the kernel rows add 0 to", k) }
      f[#f + 1] = { name = "wc" .. k, count = L.maps * L.clnkz, scratch = true, pass = "backward",
                    comment = string.format("w^%d as [%d][%d][(j,c) < %d], 0 past %d", k, L.maps, L.kh, L.clrunz, L.clrun) }
    end
    f[#f + 1] = { name = "gc" .. k, count = L.maps * L.clnkz, scratch = true, pass = "backward",
                  comment = string.format("∂C/∂w^%d so far, as [%d][%d][(j,c) < %d]", k, L.maps, L.kh, L.clrunz) }
  end
  if F.backward == "pooled_patches" or F.backward == "pooled_channels" then
    local Q = winners_above(L)
    local nw = L.maps * Q.oh * Q.ow
    if L.nkz * L.oh * L.ow > 2^31 - 1 then   -- wo<l> holds offsets in it as int
      err.at(L.line, "%s: its patches ([%d][%d] values) are larger than cnngen's limit of %d", L.what,
             L.oh * L.ow, L.nkz, 2^31 // 1 - 1)
    end
    f[#f + 1] = { name = "wo" .. k, count = nw, type = "int", scratch = true, pass = "backward",
                  comment = F.backward == "pooled_channels" and string.format("each pool winner's patch: its offset in cl%d", k)
                            or string.format("each pool winner's patch row: its offset in t%d", k) }
    f[#f + 1] = { name = "wd" .. k, count = nw, scratch = true, pass = "backward",
                  comment = string.format("each pool winner's δ^%d", k) }
    if keeps_nonzero(L) then
      f[#f + 1] = { name = "wn" .. k, count = L.maps, type = "int", scratch = true, pass = "backward",
                    comment = "how many winners of each map wo, wd hold" }
    end
    if L.propagate and F.backward == "pooled_patches" then
      f[#f + 1] = { name = "dt" .. k, count = L.nkz * L.oh * L.ow, scratch = true, pass = "backward",
                    comment = string.format("∂C/∂t%d[y][x][(c,i,j)]: the gradients of the patch values", k) }
    end
  end
  f[#f + 1] = { name = "a" .. k, count = L.n_out,
                comment = L.act_at_pool
                  and string.format("z^%d   [%d][%d][%d]  conv (σ is applied by the max-pool above)", k, L.maps, L.oh, L.ow)
                  or string.format("a^%d = σ(z^%d)   [%d][%d][%d]  conv", k, k, L.maps, L.oh, L.ow) }
  if L.store_z then
    f[#f + 1] = { name = "z" .. k, count = L.n_out, comment = string.format("z^%d (for the cost)", k) }
  end
  if gen.mode == "train" then
    if not M.does_backward_of_next(L, gen) then   -- the pooled forms read the pool's δ instead
      f[#f + 1] = { name = "d" .. k, count = L.n_out, comment = string.format("∂C/∂a^%d, then δ^%d", k, k) }
    end
    if L.padded and L.propagate then
      f[#f + 1] = { name = "dx" .. k, count = L.cin * L.H * L.W, scratch = true, pass = "backward",
                    comment = string.format("∂C/∂(padded a^%d)", k - 1) }
    end
  end
  return f
end

-- int8: the weights are quantized, the input calibrated (quant.lua)
function M.int8() return "weights" end

-- a conv's rows of int8 weights (and its patches) are padded with zeros to
-- whole 32-byte vectors (measured with gcc 12 -O3 on AVX-512: 25 -> 32
-- values ran 2.4x faster, 500 -> 512 2.5x; 16 ran slower than 32)
function M.int8_rows(L)
  local K = L.ckk
  return K, math.max(32, (K + 31) // 32 * 32)
end

-- patch_block(L, KP) -> the outputs the int8 code computes at a time: as
-- many as PATCH_BYTES of patches hold, 16 to 64 (a multiple of 16), at
-- most the whole plane
local function patch_block(L, KP)
  local pb = math.min(PATCH_BLOCK, math.max(16, PATCH_BYTES // KP // 16 * 16))
  return math.min(pb, L.oh * L.ow)
end

-- int8 code: its padded input and its block of patches, int8 values of
-- the input's type
function M.int8_work(L, gen)
  local k, f, input = L.index, {}, gen.plan.rep[L.index]
  if L.padded then
    f[#f + 1] = { name = "x" .. k, count = L.cin * L.H * L.W, type = input.type, layer = k,
                  comment = string.format("q(a^%d) zero-padded [%d][%d][%d]", k - 1, L.cin, L.H, L.W) }
  end
  local _, KP = M.int8_rows(L)
  local pb = patch_block(L, KP)
  f[#f + 1] = { name = "t" .. k, count = pb * KP, type = input.type, layer = k,
                comment = string.format("patches of %d outputs: t%d[o][(c,i,j)] = q(a^%d)[c][%s+i][%s+j], [%d][%d]",
                                        pb, k, k - 1, cfmt.mul(L.sh, "y"), cfmt.mul(L.sw, "x"), pb, KP) }
  return f
end

-- apart(s, k, ps, pk) -> K: along one axis, pools K apart whose winners'
-- patches never overlap (a conv of kernel k at stride s under pools of pk
-- at stride ps: the winners are at least K*ps - pk + 1 outputs apart)
local function apart(s, k, ps, pk)
  local K = 1
  while s * (K * ps - pk + 1) < k do K = K + 1 end
  return K
end

-- env(L, gen, env): the names conv templates use besides the common ones.
function M.env(L, gen, env)
  local num = env.num
  env.pooled_sizes = pooled_sizes
  env.keeps_nonzero = keeps_nonzero(L)
  env.pooled_chains = pooled_chains(L)
  env.wpool = winners_above(L) or false
  env.pooled = pool_done(L, gen) or false          -- the pool whose backward this one does
  env.regions = M.forms(L, gen).backward == "pooled_channels" and regions(L) or false
  if env.wpool then                  -- pooled_channels' classes of pools
    env.cly, env.clx = apart(L.sh, L.kh, env.wpool.sh, env.wpool.kh), apart(L.sw, L.kw, env.wpool.sw, env.wpool.kw)
  end
  if gen.q8 then                     -- conv_forward_int8's input and blocks of outputs
    env.pin = L.padded and ("w->x" .. L.index) or env.src
    env.pblocks = blocks.blocks(L.oh * L.ow, patch_block(L, env.q.KP))
  end
  -- the row form's blocks (conv_forward_rows): fmb maps x frb output rows
  -- of sums at a time, each input value loaded serving fmb maps, each
  -- weight frb rows.  Measured under gcc 12 -O3 on AVX-512 (the forward
  -- alone): float code takes up to 6 maps (lenet5's first conv, 6 maps of
  -- 28 columns: 2.75 us a sample against 4.47 with 3 maps; nielsen1's, 20
  -- maps of 24: 5.9 against 6.3 with 4) and, where a row of sums is not
  -- whole vectors and 5 or 6 maps go together, 2 rows (nielsen1: 4.1-4.4
  -- us, 62-66% of the peak).  Other blocks measured slower: 4 maps x 2
  -- rows (8.2 us for nielsen1: gcc shuffles the sums between registers),
  -- 10 x 1 (spills), 5 x 3 and 5 x 4 (5.5), 6 x 2 of 28 columns (3.8);
  -- double code keeps L.mb maps, one row.
  -- the patches form's blocks (conv_forward_patches): in float code, the
  -- positions in whole pairs of vectors first (pp2 of them), 10 maps x 32
  -- positions at a time (or the largest divisor of the maps from 6 to
  -- 10; else 10 and the rest), each map's two vectors of sums a pair of
  -- arrays of their own: 2 patch vectors and 10 weights loaded a tap for
  -- 20 FMAs.  Then 16 maps x 16 positions at a time (a patch vector and
  -- 16 weights a tap for 16 FMAs), over rows of npz positions (whole
  -- vectors); the last block of positions stores only those < oh*ow.
  -- Measured with `cnngen bench` (two alternating pairs, AVX-512 Xeon,
  -- gcc 12 -O3 with LTO), the layer's forward against 16 x 16 alone:
  -- nielsen2's second conv 19.6/19.7 -> 18.1/18.8 us a sample, keras'
  -- 35.9/37.6 -> 34.9/34.3, lenet5's 4.83/4.91 -> 4.77/4.74.  The pairs
  -- as one array z[10][32] spill (1.3x slower in the whole step), as do
  -- 4 x 64, 12 x 32, 20 x 16, 24 x 16 and 32 x 16.  Against 8 maps x 16
  -- positions over rows of oh*ow (121: a last block of 9), 16 x 16 was
  -- 1.06x faster for keras, 1.01-1.02x for nielsen2 and lenet5.  Double
  -- code takes 8 maps x 16 positions (16 doubles are two vectors)
  env.pmblocks = blocks.blocks(L.maps, gen.real == "float" and 16 or 8)
  env.ppblocks = {}
  do
    local np = L.oh * L.ow
    local two = gen.real == "float" and np // 32 * 32 or 0
    if two > 0 then
      local d = blocks.divisor_at_most(L.maps, 10)
      env.pm2blocks = blocks.blocks(L.maps, d >= 6 and d or 10)
    end
    env.pp2 = two
    local full = np // 16 * 16                     -- positions in whole blocks
    if full > two then env.ppblocks[1] = { from = two, to = full, size = 16, store = 16 } end
    if full < np then env.ppblocks[#env.ppblocks + 1] = { from = full, to = full + 16, size = 16, store = np - full } end
  end
  local F = M.forms(L, gen)
  if F.forward == "shifted" then env.S = shifted_sizes(L) end
  env.pshift = patches_shifted(L, F)
  env.xjslack = xj_slack(L, F)
  -- the row form's input: the padded copy, the copy with slack, or a^{l-1}
  env.fin = L.rowcopy and ("ws->xr" .. L.index) or L.pin
  if gen.real == "float" then
    env.fmb = blocks.divisor_at_most(L.maps, 6)
    env.frb = (L.owz % 16 ~= 0 and env.fmb >= 5 and L.oh % 2 == 0) and 2 or 1
  else
    env.fmb, env.frb = L.mb, 1
  end
  -- sx("oy") -> "oy" or "2*oy": the input row/col an output starts at
  function env.sy(v) return cfmt.mul(L.sh, v) end
  function env.sx(v) return cfmt.mul(L.sw, v) end
  -- kernel tap (c, i, j): weight index and input offset
  local function tap(c, i, j)
    return (c * L.kh + i) * L.kw + j, c * L.H * L.W + i * L.W + j
  end
  -- fwd_sums(indent): z^l's sum over the kernel for the straight-line
  -- forward, one C statement per kernel row, taking turns among the
  -- partial sums z0..z3: under tcc, which keeps no value in a register,
  -- four short chains of dependent additions run side by side
  function env.fwd_sums(indent)
    local lines, q = {}, 0
    for c = 0, L.cin - 1 do
      for i = 0, L.kh - 1 do
        local terms = {}
        for j = 0, L.kw - 1 do
          local k, x = tap(c, i, j)
          terms[#terms + 1] = string.format("wl[%d]*in[%d]", k, x)
        end
        lines[#lines + 1] = indent .. "z" .. q .. " += " .. table.concat(terms, " + ") .. ";"
        q = (q + 1) % env.nsums
      end
    end
    return table.concat(lines, "\n")
  end
  env.nsums = math.min(4, L.cin * L.kh)
  -- σ is a call (e^x or tanh) rather than arithmetic: the straight-line
  -- forms apply it after a row's sums, not between them
  env.act_calls = not env.act.identity and (L.act == "sigmoid" or L.act == "tanh")
  -- The position-by-position forward: patch_copy(indent) fills t from the
  -- input at the kernel's offsets; pm_map_sum(indent, m) is map m's sum,
  -- one statement, its products added as a balanced tree (short chains
  -- of dependent additions, no partial sums stored and reloaded), stored
  -- to dest
  env.pmajor_max = PMAJOR_MAX
  function env.patch_copy(indent)
    local row = {}
    for c = 0, L.cin - 1 do
      for i = 0, L.kh - 1 do
        for j = 0, L.kw - 1 do
          local k, x = tap(c, i, j)
          row[#row + 1] = string.format("t[%d] = in[%d];", k, x)
        end
      end
    end
    return cfmt.wrap(row, indent, 124)
  end
  function env.pm_map_sum(indent, m, dest)
    local lines, terms = {}, {}
    for k = 0, L.ckk - 1 do terms[#terms + 1] = string.format("wl[%d]*t[%d]", m * L.ckk + k, k) end
    cfmt.wrap_sum(lines, indent, string.format("%s = bl[%d] + (%s);", dest, m, cfmt.tree_sum(terms)))
    return table.concat(lines, "\n")
  end
  -- bwd_taps(indent, stmt, m): stmt with $w (weight index), $x (input
  -- offset) and $W (index of map m's weight, m*ckk + $w) for every tap, a
  -- few to a line
  function env.bwd_taps(indent, stmt, m)
    local lines = {}
    for c = 0, L.cin - 1 do
      for i = 0, L.kh - 1 do
        local row = {}
        for j = 0, L.kw - 1 do
          local k, x = tap(c, i, j)
          row[#row + 1] = (stmt:gsub("%$(%a)", { w = tostring(k), x = tostring(x), W = tostring((m or 0) * L.ckk + k) }))
        end
        lines[#lines + 1] = cfmt.wrap(row, indent, 124)
      end
    end
    return table.concat(lines, "\n")
  end
  -- row_taps(indent, stmt): stmt once per tap, one to a line, with $w
  -- (weight index) and $x (input offset) filled in
  function env.row_taps(indent, stmt)
    local lines = {}
    for c = 0, L.cin - 1 do
      for i = 0, L.kh - 1 do
        for j = 0, L.kw - 1 do
          local k, x = tap(c, i, j)
          lines[#lines + 1] = indent .. (stmt:gsub("%$(%a)", { w = tostring(k), x = tostring(x) }))
        end
      end
    end
    return table.concat(lines, "\n")
  end
  -- winner(n, kx, patch): for the straight-line pooled form, the
  -- declarations of winner n (pool kx of map m): its index u<n> in a^l,
  -- its δ d<n> and its patch t<n> (patch(n): the C of its first tap).
  -- σ'(z) at the winner comes from the pool's output a = σ(z_u) when the
  -- pool applies this layer's σ (L.act_at_pool).
  function env.winner(n, kx, patch)
    local sa, real = env.pool_act or env.act, env.real
    local a = sa.identity and "" or string.format("            const %s a%d = ak[%s];\n", real, n, kx)
    local d = sa.identity and ("dk[" .. kx .. "]") or sa.d_times("dk[" .. kx .. "]", "a" .. n)
    return string.format("            const ptrdiff_t u%d = mk[%s];\n%s            const %s d%d = %s;\n" ..
                         "            const %s *t%d = %s", n, kx, a, real, n, d, real, n, patch(n))
  end
  env.zero = num.lit(0)
end

return M
