-- expect: endless_loop.lua:5: the description ran for more than 200 million instructions (an endless loop?)
-- the instruction limit
local n = 0
while true do
  n = n + 1
end
