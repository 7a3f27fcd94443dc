-- expect: dropout_p_negative.lua:7: dropout (layer 2): field 'p' must be a number in [0, 1), got -0.1
-- a probability below 0
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    conv { maps = 6, kernel = 5 },
    dropout { p = -0.1 },
    dense { units = 10, act = "softmax" },
  },
}
