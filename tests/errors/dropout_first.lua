-- expect: dropout_first.lua:6: dropout (layer 1): a dropout layer cannot be the first layer (it acts on the output of one layer for the next: put it between two layers, e.g. after a conv, pool or dense layer)
-- dropout on the input: there is no layer below to drop units of
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    dropout { p = 0.2 },
    dense { units = 10, act = "softmax" },
  },
}
