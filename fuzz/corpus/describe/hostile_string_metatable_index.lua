-- the shared string metatable turned into a trap for the generator
local mt = getmetatable("")
mt.__index = setmetatable({}, { __index = function() error("trapped") end })
mt.__eq = function() return true end
return network { name = "net", input = { 1, 28, 28 }, layers = { dense { units = 10, act = "softmax" } },
                 cost = "log-likelihood" }
