-- metamethods on the strings every state shares
getmetatable("").__index = function(s, k) while true do end end
getmetatable("").__len = function() return -1 end
getmetatable("").__concat = function(a, b) return network { name = a } end
return network { name = ("net"):upper(), input = { 1, 28, 28 }, layers = { dense { units = 10, act = "softmax" } } }
