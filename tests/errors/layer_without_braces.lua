-- expect: layer_without_braces.lua:3: network: layers[2] is a function, not a layer (write conv { ... }, maxpool { ... }, avgpool { ... }, dense { ... }, dropout { ... })
-- a constructor named but not called (the function itself)
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    conv { maps = 20, kernel = 5 },
    maxpool,
    dense { units = 10, act = "softmax" },
  },
}
