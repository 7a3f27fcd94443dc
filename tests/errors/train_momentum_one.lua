-- expect: train_momentum_one.lua:3: network.train: field 'momentum' must be a number in [0, 1), got 1
-- momentum 1 would never let the velocity decay
return network {
  name = "net", input = { 1, 28, 28 },
  layers = { dense { units = 10, act = "softmax" } },
  train = { momentum = 1 },
}
