-- expect: softmax_on_conv.lua:6: conv (layer 1): softmax is only supported on a dense layer (add dense { units = N, act = "softmax" } after this one)
-- softmax on a conv layer
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    conv { maps = 10, kernel = 28, act = "softmax" },
  },
}
