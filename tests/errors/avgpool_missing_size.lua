-- expect: avgpool_missing_size.lua:7: avgpool (layer 2): missing field 'size' (for example: avgpool { size = 2 })
-- avgpool without size
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    conv { maps = 6, kernel = 5 },
    avgpool { stride = 2 },
    dense { units = 10, act = "softmax" },
  },
}
