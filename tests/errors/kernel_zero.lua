-- expect: kernel_zero.lua:6: conv (layer 1): field 'kernel' must be a positive integer or a pair {height, width} of them, got {0, 3}
-- a kernel pair with a zero
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    conv { maps = 20, kernel = { 0, 3 } },
    dense { units = 10, act = "softmax" },
  },
}
