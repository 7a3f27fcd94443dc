-- expect: sandbox_io.lua:3: attempt to index a nil value (global 'io'): the sandbox has no 'io' (a description can only compute and return its network)
-- no io in the sandbox
local f = io.open("/etc/passwd")
return network { name = "net", input = { 1, 28, 28 }, layers = { dense { units = 10, act = "softmax" } } }
