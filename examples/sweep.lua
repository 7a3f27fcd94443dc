-- An experiment: nielsen1 for one epoch at three learning rates, then a
-- table of test accuracy against eta, and a report comparing the runs
-- (sweep.html: one curve per eta; the filters and mistakes of the last).
--   cnngen run examples/sweep.lua
--   mpirun -np 3 cnngen run examples/sweep.lua     -- the runs spread over 3 ranks
local function nielsen1()
  return network {
    name  = "nielsen1",
    input = { 1, 28, 28 },
    layers = {
      conv    { maps = 20, kernel = 5, act = "sigmoid" },
      maxpool { size = 2 },
      dense   { units = 100, act = "sigmoid" },
      dense   { units = 10, act = "softmax" },
    },
    cost  = "log-likelihood",
    train = { batch = 10, l2 = 0.1, seed = 1 },
  }
end

local etas = { 0.03, 0.1, 0.3 }
local rank, size = cnngen.world()       -- 0, 1 without mpirun
local data = cnngen.data("fashion-mnist")
local mine, model = {}, nil
for i, eta in ipairs(etas) do
  -- this rank's share; rank 0 takes the last run, whose model the report shows
  if (#etas - i) % size == rank then
    model = cnngen.compile(nielsen1(), { backend = "cc" })
    local accuracy = model:train(data, { epochs = 1, eta = eta })
    mine[#mine + 1] = { i = i, accuracy = accuracy, epochs = model:history() }
  end
end

local all = cnngen.gather(mine)         -- rank 0: every rank's runs; elsewhere nil
if rank ~= 0 then return end
local results, runs = {}, {}
for _, some in ipairs(all) do
  for _, r in ipairs(some) do
    results[r.i] = { eta = etas[r.i], accuracy = r.accuracy }
    runs[r.i] = { label = string.format("eta %g", etas[r.i]), epochs = r.epochs }
  end
end

print("")
print("   eta   test accuracy")
for _, r in ipairs(results) do
  print(string.format("%6.2f   %6.2f%%", r.eta, 100 * r.accuracy))
end

model:report("sweep.html", { data = data, runs = runs })
print("report: sweep.html")
