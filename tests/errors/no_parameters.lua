-- expect: no_parameters.lua:3: network: no layer has parameters (add a conv or dense layer)
-- only a pooling layer: nothing to train
return network {
  name = "net", input = { 1, 28, 28 },
  layers = { maxpool { size = 2 } },
  cost = "quadratic",
}
