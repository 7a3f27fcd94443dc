-- An experiment: nielsen1 for one epoch at three learning rates, then a
-- table of test accuracy against eta, and a report comparing the runs
-- (sweep.html: one curve per eta; the filters and mistakes of the last).
--   cnngen run examples/sweep.lua
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

local data = cnngen.data("fashion-mnist")
local results, runs, model = {}, {}, nil
for _, eta in ipairs({ 0.03, 0.1, 0.3 }) do
  model = cnngen.compile(nielsen1(), { backend = "cc" })
  results[#results + 1] = { eta = eta, accuracy = model:train(data, { epochs = 1, eta = eta }) }
  runs[#runs + 1] = { label = string.format("eta %g", eta), epochs = model:history() }
end

print("")
print("   eta   test accuracy")
for _, r in ipairs(results) do
  print(string.format("%6.2f   %6.2f%%", r.eta, 100 * r.accuracy))
end

model:report("sweep.html", { data = data, runs = runs })
print("report: sweep.html")
