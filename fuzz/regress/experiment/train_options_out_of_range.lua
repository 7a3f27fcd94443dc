-- model:train's options cast to int and unsigned long long unchecked:
-- NaN, infinities and values past their range (undefined behaviour)
local d = cnngen.data("data")
local m = cnngen.compile(network { name = "t", input = { 1, 4, 4 }, layers = { dense { units = 3, act = "softmax" } } })
for _, o in ipairs({ { batch = 0/0 }, { epochs = 0/0 }, { seed = 0/0 }, { batch = 1/0 }, { epochs = 1/0 },
                     { seed = 1/0 }, { batch = 2^31 }, { epochs = 2^31 }, { seed = 2^64 }, { l2 = 0/0 } }) do
  print(pcall(m.train, m, d, o))
end
