-- expect: stride_zero.lua:6: conv (layer 1): field 'stride' must be a positive integer or a pair {height, width} of them, got 0
-- a zero stride
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    conv { maps = 20, kernel = 5, stride = 0 },
    dense { units = 10, act = "softmax" },
  },
}
