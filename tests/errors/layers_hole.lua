-- expect: layers_hole.lua:3: network: layers[2] is nil (a hole in the list), not a layer (write conv { ... }, maxpool { ... }, avgpool { ... }, dense { ... }, dropout { ... })
-- a nil in the middle of the layers
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    conv { maps = 20, kernel = 5 },
    nil,
    dense { units = 10, act = "softmax" },
  },
}
