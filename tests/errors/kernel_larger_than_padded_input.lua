-- expect: kernel_larger_than_padded_input.lua:6: conv (layer 1): kernel 3x11 is larger than its input 10x10 (8x8 padded by 1); use a kernel of at most 10x10
-- pad 1 makes 8x8 into 10x10: 3x11 does not fit
return network {
  name = "net", input = { 1, 8, 8 },
  layers = {
    conv { maps = 4, kernel = { 3, 11 }, pad = 1 },
    dense { units = 10, act = "softmax" },
  },
}
