-- one record listed 100,000 times: cheap for the sandbox, minutes of work
-- for the generator before networks were limited to 1,000 layers
local L, d = {}, dense { units = 2, act = "relu" }
for i = 1, 100000 do L[i] = d end
return network { name = "net", input = { 1, 2, 2 }, layers = L }
