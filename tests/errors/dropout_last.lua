-- expect: dropout_last.lua:7: dropout (layer 2): a dropout layer cannot be the last layer (it acts on the output of one layer for the next: put it between two layers, e.g. after a conv, pool or dense layer)
-- dropout as the output layer: the output would be dropped in training alone
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    dense { units = 10, act = "softmax" },
    dropout { p = 0.5 },
  },
  cost = "log-likelihood",
}
