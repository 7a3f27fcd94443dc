-- table.concat and string.format building a big string in one C call
local t = {}
for i = 1, 100000 do t[i] = string.rep("y", 100) end
local s = table.concat(t, string.rep("z", 1000))
return network { name = s, input = { 1, 8, 8 }, layers = { dense { units = 2 } } }
