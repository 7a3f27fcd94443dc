-- expect: dropout_unknown_field.lua:7: dropout (layer 2): unknown field 'rate' (known fields: p)
-- the field is p, the probability of dropping a unit
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    dense { units = 30 },
    dropout { rate = 0.5 },
    dense { units = 10, act = "softmax" },
  },
}
