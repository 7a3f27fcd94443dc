-- a network that does not fit the data: input size and output count
local d = cnngen.data("data")
local m = cnngen.compile(network { name = "big", input = { 1, 28, 28 }, layers = { dense { units = 10, act = "softmax" } } })
print(pcall(m.train, m, d))
print(pcall(m.evaluate, m, d))
local s = cnngen.compile(network { name = "two", input = { 1, 4, 4 }, layers = { dense { units = 2, act = "softmax" } } })
print(pcall(s.train, s, d))
local c = cnngen.compile(network { name = "rgb", input = { 3, 4, 4 }, layers = { dense { units = 3, act = "softmax" } } })
print(pcall(c.evaluate, c, d))
