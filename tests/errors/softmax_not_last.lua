-- expect: softmax_not_last.lua:6: dense (layer 1): softmax is only allowed on the last layer (use act = "sigmoid", "tanh" or "relu" here)
-- softmax on a hidden layer
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    dense { units = 100, act = "softmax" },
    dense { units = 10, act = "sigmoid" },
  },
}
