-- expect: missing_name.lua:3: network: missing field 'name' (for example: network { name = "net", input = {1, 28, 28}, layers = { dense { units = 10, act = "softmax" } } })
-- network without name
return network {
  input = { 1, 28, 28 },
  layers = {
    dense { units = 10, act = "softmax" },
  },
}
