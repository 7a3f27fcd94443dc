-- expect: unknown_layer_capitals.lua:6: attempt to call a nil value (global 'MAXPOOL'): no layer kind or function is called 'MAXPOOL' (did you mean maxpool { ... }?); the layer kinds are conv, maxpool, avgpool, dense and dropout
-- a layer kind in capitals: suggested as the field names are (case aside)
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    MAXPOOL { size = 2 },
    dense { units = 10, act = "softmax" },
  },
}
