-- expect: cost_cross_entropy_without_sigmoid.lua:3: network: cost "cross-entropy" needs a sigmoid output layer, but the last layer, dense (layer 1) on line 6, has act = "relu" (give it act = "sigmoid", or use cost = "quadratic")
-- cross-entropy needs a sigmoid output
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    dense { units = 10, act = "relu" },
  },
  cost = "cross-entropy",
}
