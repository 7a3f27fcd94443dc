-- expect: missing_layers.lua:3: network: missing field 'layers' (for example: network { name = "net", input = {1, 28, 28}, layers = { dense { units = 10, act = "softmax" } } })
-- network without layers
return network {
  name = "net",
  input = { 1, 28, 28 },
}
