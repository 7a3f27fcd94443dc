-- expect: pad_not_smaller_than_kernel.lua:5: conv (layer 1): pad 3 must be smaller than the kernel 3x3 (outputs would see only padding)
-- a pad as wide as the kernel
return network {
  name = "net", input = { 1, 28, 28 },
  layers = { conv { maps = 4, kernel = 3, pad = 3 }, dense { units = 10, act = "softmax" } },
}
