-- expect: kernel_larger_than_input.lua:8: conv (layer 3): kernel 13x13 is larger than its input 12x12; use a kernel of at most 12x12
-- after conv 5 and pool 2, 12x12 is left: 13x13 does not fit
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    conv { maps = 20, kernel = 5 },
    maxpool { size = 2 },
    conv { maps = 40, kernel = 13 },
    dense { units = 10, act = "softmax" },
  },
}
