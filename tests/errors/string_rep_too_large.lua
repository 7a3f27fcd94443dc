-- expect: string_rep_too_large.lua:3: resulting string too large
-- a string larger than Lua allows
local s = string.rep("x", 1e10)
