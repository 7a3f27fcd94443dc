-- expect: missing_input.lua:3: network: missing field 'input' (for example: network { name = "net", input = {1, 28, 28}, layers = { dense { units = 10, act = "softmax" } } })
-- network without input
return network {
  name = "net",
  layers = {
    dense { units = 10, act = "softmax" },
  },
}
