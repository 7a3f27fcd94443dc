-- expect: returns_nothing.lua:8: the description returned nothing; end it with: return network { name = "net", input = {1, 28, 28}, layers = { dense { units = 10, act = "softmax" } } }
-- the network is built but not returned
local net = network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    dense { units = 10, act = "softmax" },
  },
}
