-- expect: layer_called_with_numbers.lua:6: conv: expected a table of fields, as in conv { ... }, got number
-- a constructor called with positional numbers
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    conv(20, 5),
    dense { units = 10, act = "softmax" },
  },
}
