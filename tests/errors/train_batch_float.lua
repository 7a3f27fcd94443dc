-- expect: train_batch_float.lua:3: network.train: field 'batch' must be a positive integer, got 2.5
-- a batch size that is not an integer
return network {
  name = "net", input = { 1, 28, 28 },
  layers = { dense { units = 10, act = "softmax" } },
  train = { batch = 2.5 },
}
