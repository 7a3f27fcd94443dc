-- expect: string_rep_over_memory.lua:3: the description used more than 64 MiB of memory
-- a 100 MB string: over the memory limit
local s = string.rep("x", 1e8)
