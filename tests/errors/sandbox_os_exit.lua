-- expect: sandbox_os_exit.lua:3: attempt to index a nil value (global 'os'): the sandbox has no 'os' (a description can only compute and return its network)
-- no os in the sandbox
os.exit(0)
