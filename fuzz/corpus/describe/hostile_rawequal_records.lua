-- the same record twice, and a record used as the network
local d = dense { units = 2, act = "softmax" }
local n = network { name = "net", input = { 1, 8, 8 }, layers = { d, d } }
return network { name = "outer", input = { 1, 8, 8 }, layers = { n } }
