-- expect: missing_maps.lua:6: conv (layer 1): missing field 'maps' (for example: conv { maps = 20, kernel = 5, act = "sigmoid" })
-- conv without maps
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    conv { kernel = 5 },
    dense { units = 10, act = "softmax" },
  },
}
