-- expect: avgpool_unknown_field.lua:7: avgpool (layer 2): unknown field 'stirde' (did you mean 'stride'?)
-- a misspelt stride
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    conv { maps = 6, kernel = 5 },
    avgpool { size = 2, stirde = 2 },
    dense { units = 10, act = "softmax" },
  },
}
