-- expect: maps_zero.lua:6: conv (layer 1): field 'maps' must be a positive integer, got 0
-- zero maps
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    conv { maps = 0, kernel = 5 },
    dense { units = 10, act = "softmax" },
  },
}
