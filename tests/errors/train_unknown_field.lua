-- expect: train_unknown_field.lua:3: network.train: unknown field 'bacth' (did you mean 'batch'?)
-- a misspelt training field
return network {
  name = "net", input = { 1, 28, 28 },
  layers = { dense { units = 10, act = "softmax" } },
  train = { eta = 0.1, bacth = 10 },
}
