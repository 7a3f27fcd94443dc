-- profile.lua: `cnngen bench`'s per-layer breakdown.  With opts.profile,
-- the JIT unit (never the emitted .c or .h) gets <name>_jit_profile:
-- <name>_train_batch's steps in its order and arithmetic, each layer's
-- forward, backward and SGD update timed on its own; <name>_jit_profile_flags
-- (which passes each layer has, and whether they run once a chunk); and
-- the streaming passes the memory bound is measured with, compiled as the
-- net is (templates/profile.c.tpl).
local M = {}

-- code(v, fwd, bwd, render, step) -> the C added to the unit: v the names
-- the file's templates see (emit.lua's), fwd, bwd and step the driver's
-- calls of each layer (emit.lua's calls: stmt, batched), render emit.lua's
function M.code(v, fwd, bwd, render, step)
  local layers = v.layers
  local vars = setmetatable({ forward = {}, backward = {}, flags = {}, stepback = false },
                            { __index = v })
  -- step (emit.lua's step calls, nil without): train_chunk's backward,
  -- where the layers in v.fused take their weights' SGD step in it
  if step then
    vars.stepback = {}
    for k = #layers, 1, -1 do
      if step[k] then
        vars.stepback[#vars.stepback + 1] = { stmt = step[k].stmt, batched = step[k].batched, slot = 3 * (k - 1) + 1 }
      end
    end
  end
  for k = 1, #layers do
    if fwd[k] then
      vars.forward[#vars.forward + 1] = { stmt = fwd[k].stmt, batched = fwd[k].batched, slot = 3 * (k - 1) }
    end
  end
  for k = #layers, 1, -1 do
    if bwd[k] then
      vars.backward[#vars.backward + 1] = { stmt = bwd[k].stmt, batched = bwd[k].batched, slot = 3 * (k - 1) + 1 }
    end
  end
  for k = 1, #layers do
    local bits = (fwd[k] and 1 or 0) + (bwd[k] and 2 or 0)
               + (fwd[k] and fwd[k].batched and 4 or 0) + (bwd[k] and bwd[k].batched and 8 or 0)
               + (bwd[k] and layers[k].propagate and 16 or 0)
               + (v.fused[k] and 32 or 0)
    vars.flags[k] = { l = k, bits = bits }
  end
  return render("profile.c.tpl", vars)
end

return M
