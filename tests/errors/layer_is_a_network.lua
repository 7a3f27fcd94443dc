-- expect: layer_is_a_network.lua:4: network: layers[1] is a network { ... }, not a layer (write conv { ... }, maxpool { ... }, avgpool { ... }, dense { ... }, dropout { ... })
-- a network where a layer should be
local inner = network { name = "inner", input = { 1, 28, 28 }, layers = { dense { units = 10 } } }
return network {
  name = "net", input = { 1, 28, 28 },
  layers = { inner },
}
