-- expect: sandbox_dofile.lua:3: attempt to call a nil value (global 'dofile'): the sandbox has no 'dofile' (a description can only compute and return its network)
-- no dofile in the sandbox
return dofile("other.lua")
