-- expect: pool_larger_than_input.lua:6: maxpool (layer 1): pool 5x5 is larger than its input 4x4; use a size of at most 4x4, or remove the layer
-- a pool larger than its input
return network {
  name = "net", input = { 1, 4, 4 },
  layers = {
    maxpool { size = 5 },
    dense { units = 10, act = "softmax" },
  },
}
