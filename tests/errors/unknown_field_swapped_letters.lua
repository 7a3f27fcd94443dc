-- expect: unknown_field_swapped_letters.lua:3: network: unknown field 'nmae' (did you mean 'name'?)
-- two swapped letters still get a suggestion
return network {
  nmae = "net", input = { 1, 28, 28 },
  layers = {
    dense { units = 10, act = "softmax" },
  },
}
