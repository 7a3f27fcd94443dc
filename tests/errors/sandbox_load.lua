-- expect: sandbox_load.lua:3: attempt to call a nil value (global 'load'): the sandbox has no 'load' (a description can only compute and return its network)
-- no load in the sandbox
local f = load("return 1")
