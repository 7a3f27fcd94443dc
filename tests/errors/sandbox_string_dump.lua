-- expect: sandbox_string_dump.lua:3: attempt to call a nil value (field 'dump'): the sandbox's string library has no dump, find, match, gmatch or gsub (their run time cannot be bounded)
-- no string.dump in the sandbox
local s = string.dump(function() end)
