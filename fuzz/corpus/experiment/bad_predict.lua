-- model:predict with images of the wrong size and odd values
local m = cnngen.compile(network { name = "tiny", input = { 1, 4, 4 }, layers = { dense { units = 3, act = "softmax" } } })
local img = {}
for i = 1, 16 do img[i] = 0.5 end
print(m:predict(img))
img[3], img[4], img[5] = 0/0, 1/0, -1/0
print(m:predict(img))
img[6] = "7"
img[7] = {}
print(pcall(m.predict, m, img))
print(pcall(m.predict, m, {}))
print(pcall(m.predict, m, { 1, 2, 3 }))
print(pcall(m.predict, m, setmetatable({}, { __len = function() return 16 end })))
print(pcall(m.predict, m, setmetatable({}, { __len = function() return 1e100 end })))
print(pcall(m.predict, m, setmetatable({}, { __len = function() return 0/0 end })))
print(pcall(m.predict, m, "image"))
print(pcall(m.predict, m))
