-- a table of ten million entries
local t = {}
for i = 1, 1e7 do t[i] = i end
return network { name = "net", input = { 1, 8, 8 }, layers = t }
