-- expect: positional_value.lua:6: conv (layer 1): unexpected positional value 20 (fields are written name = value)
-- a value without a field name
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    conv { 20, kernel = 5 },
    dense { units = 10, act = "softmax" },
  },
}
