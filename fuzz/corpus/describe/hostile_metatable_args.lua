-- metatables on the argument tables: the copy must not run them
local args = setmetatable({ units = 2 }, { __index = function() while true do end end,
                                          __pairs = function() while true do end end,
                                          __len = function() return 1e9 end })
return network { name = "net", input = { 1, 8, 8 }, layers = setmetatable({ dense(args) }, getmetatable(args)) }
