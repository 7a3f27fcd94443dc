-- expect: unknown_field.lua:6: conv (layer 1): unknown field 'strid' (did you mean 'stride'?)
-- an unknown field, close to a known one
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    conv { maps = 20, kernel = 5, strid = 2 },
    dense { units = 10, act = "softmax" },
  },
}
