-- expect: sandbox_require.lua:3: attempt to call a nil value (global 'require'): the sandbox has no 'require' (a description can only compute and return its network)
-- no require in the sandbox
local lfs = require("lfs")
