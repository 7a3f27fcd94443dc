-- a result of many values, within the memory budget
local t = {}
for i = 1, 200000 do t[i] = { i, "x" } end
return network { name = "net", input = { 1, 8, 8 }, layers = { dense { units = 2 } }, train = t }
