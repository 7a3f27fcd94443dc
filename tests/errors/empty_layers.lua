-- expect: empty_layers.lua:3: network: 'layers' is empty; a network needs at least one layer (for example: layers = { dense { units = 10, act = "softmax" } })
-- an empty list of layers
return network {
  name = "net",
  input = { 1, 28, 28 },
  layers = {},
}
