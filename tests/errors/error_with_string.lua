-- expect: error_with_string.lua:4: too many maps
-- error() with a message
local maps = 20
if maps > 10 then error("too many maps") end
