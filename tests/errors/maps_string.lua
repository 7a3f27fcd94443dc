-- expect: maps_string.lua:6: conv (layer 1): field 'maps' must be a positive integer, got "20"
-- a number written as a string
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    conv { maps = "20", kernel = 5 },
    dense { units = 10, act = "softmax" },
  },
}
