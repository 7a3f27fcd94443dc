-- expect: pad_unknown_word.lua:6: conv (layer 1): field 'pad' must be a non-negative integer or "same", got "valid"
-- Keras' other padding word: cnngen's default (pad = 0) is what it means
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    conv { maps = 8, kernel = 3, pad = "valid" },
    dense { units = 10, act = "softmax" },
  },
}
