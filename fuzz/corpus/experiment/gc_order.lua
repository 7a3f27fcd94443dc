-- models and data dropped and collected while in use elsewhere
local d = cnngen.data("data")
local a = d:split(5)
d = nil
local m = cnngen.compile(network { name = "tiny", input = { 1, 4, 4 }, layers = { dense { units = 3, act = "softmax" } } })
print(m:train(a, { epochs = 1 }))
for i = 1, 3 do local x = cnngen.data("datagz"):split(2) end
print(m:evaluate(a))
