-- expect: pad_same_even_kernel.lua:6: conv (layer 1): pad = "same" needs an odd kernel, got 3x4 (the zeros cannot be centred; give pad as a number, or use a kernel of 3x5)
-- pad = "same" cannot centre the zeros around an even kernel
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    conv { maps = 8, kernel = { 3, 4 }, pad = "same" },
    dense { units = 10, act = "softmax" },
  },
}
