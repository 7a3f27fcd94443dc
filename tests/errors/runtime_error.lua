-- expect: runtime_error.lua:6: attempt to perform arithmetic on a nil value (local 'maps')
-- arithmetic on nil
local maps
return network {
  name = "net", input = { 1, 28, 28 },
  layers = { conv { maps = maps * 2, kernel = 5 }, dense { units = 10, act = "softmax" } },
}
