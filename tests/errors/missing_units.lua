-- expect: missing_units.lua:7: dense (layer 2): missing field 'units' (for example: dense { units = 100, act = "sigmoid" })
-- dense without units
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    conv { maps = 20, kernel = 5 },
    dense { act = "softmax" },
  },
}
