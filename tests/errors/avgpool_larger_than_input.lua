-- expect: avgpool_larger_than_input.lua:7: avgpool (layer 2): pool 3x3 is larger than its input 2x2; use a size of at most 2x2, or remove the layer
-- an average pool larger than its input
return network {
  name = "net", input = { 1, 4, 4 },
  layers = {
    conv { maps = 2, kernel = 3 },
    avgpool { size = 3 },
    dense { units = 10, act = "softmax" },
  },
}
