-- layers nested inside layers
local L = dense { units = 2 }
for i = 1, 200 do L = dense { units = L } end
return network { name = "net", input = { 1, 8, 8 }, layers = { L } }
