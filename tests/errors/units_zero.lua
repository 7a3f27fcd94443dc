-- expect: units_zero.lua:6: dense (layer 1): field 'units' must be a positive integer, got 0
-- zero units
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    dense { units = 0, act = "softmax" },
  },
}
