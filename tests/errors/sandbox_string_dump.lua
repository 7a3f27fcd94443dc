-- expect: sandbox_string_dump.lua:3: attempt to call a nil value (field 'dump')
-- no string.dump in the sandbox
local s = string.dump(function() end)
