-- expect: unknown_field_no_suggestion.lua:6: maxpool (layer 1): unknown field 'window' (known fields: size, stride)
-- nothing close: list the known fields
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    maxpool { size = 2, window = 3 },
    dense { units = 10, act = "softmax" },
  },
}
