-- expect: endless_table.lua:4: the description used more than 64 MiB of memory
-- the memory limit
local t = {}
while true do t[#t + 1] = {} end
