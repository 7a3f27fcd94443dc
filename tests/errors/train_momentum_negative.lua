-- expect: train_momentum_negative.lua:3: network.train: field 'momentum' must be a number in [0, 1), got -0.5
-- a negative momentum
return network {
  name = "net", input = { 1, 28, 28 },
  layers = { dense { units = 10, act = "softmax" } },
  train = { momentum = -0.5 },
}
