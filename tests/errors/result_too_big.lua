-- expect: result_too_big.lua:5: the description's result holds more than a million values
-- a result of more than a million values
local big = {}
for i = 1, 1100000 do big[i] = i end
return network {
  name = "net", input = { 1, 28, 28 },
  layers = { dense { units = 10, act = "softmax" } },
  train = big,
}
