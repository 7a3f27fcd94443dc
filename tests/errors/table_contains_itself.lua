-- expect: table_contains_itself.lua:7: the description's result nests tables more than 64 deep (a table that contains itself?)
-- a table that contains itself
local k = { 5, 5 }
k[3] = k
return network {
  name = "net", input = { 1, 28, 28 },
  layers = { conv { maps = 20, kernel = k }, dense { units = 10, act = "softmax" } },
}
