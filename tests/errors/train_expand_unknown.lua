-- expect: train_expand_unknown.lua:3: network.train: field 'expand' must be one of "none", "shift1", got "shift2"
-- an expansion that does not exist
return network {
  name = "net", input = { 1, 28, 28 },
  layers = { dense { units = 10, act = "softmax" } },
  train = { expand = "shift2" },
}
