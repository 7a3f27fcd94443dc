-- expect: sandbox_string_find.lua:3: attempt to call a nil value (field 'find'): the sandbox's string library has no dump, find, match, gmatch or gsub (their run time cannot be bounded)
-- pattern matching backtracks in C, beyond the instruction budget: not in the sandbox
local s = string.find(string.rep("a", 40), string.rep("a?", 40) .. string.rep("a", 40))
return network { name = "x", input = { 1, 4, 4 }, layers = { dense { units = 2, act = "softmax" } } }
