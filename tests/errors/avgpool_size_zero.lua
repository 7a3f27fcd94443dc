-- expect: avgpool_size_zero.lua:7: avgpool (layer 2): field 'size' must be a positive integer or a pair {height, width} of them, got {0, 2}
-- a window of no rows
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    conv { maps = 6, kernel = 5 },
    avgpool { size = { 0, 2 } },
    dense { units = 10, act = "softmax" },
  },
}
