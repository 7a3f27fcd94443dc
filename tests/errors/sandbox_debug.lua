-- expect: sandbox_debug.lua:3: attempt to index a nil value (global 'debug'): the sandbox has no 'debug' (a description can only compute and return its network)
-- no debug library in the sandbox
debug.sethook()
