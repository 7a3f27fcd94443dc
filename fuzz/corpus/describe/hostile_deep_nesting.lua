-- a returned value nested 10000 deep
local t = {}
local top = t
for i = 1, 10000 do t.next = {} t = t.next end
return network { name = "net", input = { 1, 8, 8 }, layers = { dense { units = 2 } }, train = top }
