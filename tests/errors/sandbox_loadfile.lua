-- expect: sandbox_loadfile.lua:3: attempt to call a nil value (global 'loadfile'): the sandbox has no 'loadfile' (a description can only compute and return its network)
-- no loadfile in the sandbox
local f = loadfile("other.lua")
