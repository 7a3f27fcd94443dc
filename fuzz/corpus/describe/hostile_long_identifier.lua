-- very long identifiers: in the description, as the network's name and as a field
local n = string.rep("a", 100000)
local t = { [n] = 1 }
local x_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa = 1
return network { name = n, input = { 1, 8, 8 }, layers = { dense { units = 2, [n] = 3 } } }
