-- doubling a string until the memory budget runs out
local s = "x"
for i = 1, 40 do s = s .. s end
return network { name = "net", input = { 1, 8, 8 }, layers = { dense { units = 2, act = "softmax" } } }
