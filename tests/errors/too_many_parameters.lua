-- expect: too_many_parameters.lua:6: dense (layer 1): the network has more than 2147483647 parameters
-- a dense layer of ten million units
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    dense { units = 10000000 },
    dense { units = 10, act = "softmax" },
  },
}
