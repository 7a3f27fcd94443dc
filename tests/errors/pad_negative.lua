-- expect: pad_negative.lua:6: conv (layer 1): field 'pad' must be a non-negative integer or "same", got -1
-- a negative pad
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    conv { maps = 20, kernel = 5, pad = -1 },
    dense { units = 10, act = "softmax" },
  },
}
