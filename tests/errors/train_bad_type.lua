-- expect: train_bad_type.lua:3: network.train: field 'eta' must be a positive number, got "fast"
-- a string where a number is needed
return network {
  name = "net", input = { 1, 28, 28 },
  layers = { dense { units = 10, act = "softmax" } },
  train = { eta = "fast" },
}
