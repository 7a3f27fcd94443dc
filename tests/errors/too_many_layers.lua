-- expect: too_many_layers.lua:6: network: 1001 layers are more than cnngen's limit of 1000
-- a few lines can list more layers than the generator should take
local L = {}
for i = 1, 1000 do L[i] = dense { units = 2, act = "relu" } end
L[#L + 1] = dense { units = 2, act = "softmax" }
return network { name = "net", input = { 1, 2, 2 }, layers = L }
