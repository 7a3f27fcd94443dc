-- expect: act_unknown.lua:6: conv (layer 1): field 'act' must be one of "sigmoid", "tanh", "relu", "linear", "softmax", got "sigmod"
-- an activation cnngen does not know
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    conv { maps = 20, kernel = 5, act = "sigmod" },
    dense { units = 10, act = "softmax" },
  },
}
