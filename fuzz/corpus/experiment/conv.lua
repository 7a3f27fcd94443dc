-- a conv net on the gzip'd copy, defaults from the description
local d = cnngen.data("datagz")
local m = cnngen.compile(network {
  name = "c", input = { 1, 4, 4 },
  layers = { conv { maps = 2, kernel = 2, act = "relu" }, maxpool { size = 3 }, dense { units = 3, act = "sigmoid" } },
  cost = "cross-entropy", train = { epochs = 1, batch = 5, eta = 0.2, seed = 9 },
})
print(m:train(d))
print(m:evaluate(d))
