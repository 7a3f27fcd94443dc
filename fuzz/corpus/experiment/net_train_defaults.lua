-- the description's own train table, at its extremes
local d = cnngen.data("data")
for _, t in ipairs({ { batch = 2^53 }, { seed = 2^53 }, { eta = 1e308 }, { l2 = 1e308 }, { epochs = 2^40 } }) do
  print(pcall(function()
    local m = cnngen.compile(network { name = "t", input = { 1, 4, 4 },
                                       layers = { dense { units = 3, act = "softmax" } }, train = t })
    return m:train(d)
  end))
end
