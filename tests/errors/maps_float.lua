-- expect: maps_float.lua:6: conv (layer 1): field 'maps' must be a positive integer, got 20.5
-- a size that is not an integer
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    conv { maps = 20.5, kernel = 5 },
    dense { units = 10, act = "softmax" },
  },
}
