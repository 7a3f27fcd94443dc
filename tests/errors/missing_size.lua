-- expect: missing_size.lua:7: maxpool (layer 2): missing field 'size' (for example: maxpool { size = 2 })
-- maxpool without size
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    conv { maps = 20, kernel = 5 },
    maxpool { stride = 2 },
    dense { units = 10, act = "softmax" },
  },
}
