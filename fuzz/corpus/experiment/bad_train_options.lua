-- model:train with options out of range: NaN, infinities, past int
local d = cnngen.data("data")
local m = cnngen.compile(network { name = "tiny", input = { 1, 4, 4 }, layers = { dense { units = 3, act = "softmax" } } })
for _, o in ipairs({
  { eta = 0 }, { eta = -1 }, { eta = 0/0 }, { eta = 1/0 }, { l2 = -1 }, { l2 = 0/0 }, { l2 = 1/0 },
  { batch = 0 }, { batch = 0/0 }, { batch = 1/0 }, { batch = 2^31 }, { batch = 1e300 }, { batch = 2.5 },
  { epochs = 0 }, { epochs = 0/0 }, { epochs = 1/0 }, { epochs = 2^31 }, { epochs = 1e300 },
  { seed = -1 }, { seed = 0/0 }, { seed = 1/0 }, { seed = 2^64 }, { seed = 1e300 }, { seed = 2.5 },
  { eta = "0.1" }, { batch = {} }, { epochs = true },
}) do
  o.epochs = o.epochs or 1
  print(pcall(m.train, m, d, o))
end
print(pcall(m.train, m, d, "fast"))
print(pcall(m.train, m, nil))
print(pcall(m.train, m, {}))
