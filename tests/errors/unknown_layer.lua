-- expect: unknown_layer.lua:6: attempt to call a nil value (global 'convv'): no layer kind or function is called 'convv' (did you mean conv { ... }?); the layer kinds are conv, maxpool, avgpool, dense and dropout
-- a misspelt layer constructor is an undefined global
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    convv { maps = 20, kernel = 5 },
    dense { units = 10, act = "softmax" },
  },
}
