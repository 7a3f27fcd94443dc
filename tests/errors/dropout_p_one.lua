-- expect: dropout_p_one.lua:7: dropout (layer 2): field 'p' must be a number in [0, 1), got 1
-- p = 1 would drop every unit (and scale by 1/0)
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    dense { units = 30 },
    dropout { p = 1 },
    dense { units = 10, act = "softmax" },
  },
}
