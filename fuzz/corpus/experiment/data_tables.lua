-- cnngen.data from the script's own images: odd values, wrong shapes, a
-- NaN that stops training, and a vote
local function img(v) local t = {} for i = 1, 16 do t[i] = v end return t end
local images, labels = {}, {}
for i = 1, 12 do images[i] = img((i % 3) / 3) labels[i] = i % 3 end
images[2][3], images[5][7], images[6][1] = 1e300, -1e300, 1/0
local d = cnngen.data{ rows = 4, cols = 4, train = { images = images, labels = labels },
                       test = { images = { img(0), img(1) }, labels = { 0, 2 } } }
local m = cnngen.compile(network { name = "tiny", input = { 1, 4, 4 },
  layers = { dense { units = 3, act = "softmax" } } })
print(m:train(d, { epochs = 1, batch = 4 }))
images[2][3] = 0/0
print(m:train(cnngen.data{ rows = 4, cols = 4, train = { images = images, labels = labels },
                           test = { images = {}, labels = {} } }, { epochs = 1 }))
print(pcall(cnngen.data, { rows = 4, cols = 4, train = { images = { img(0) }, labels = { 0.5 } },
                           test = { images = {}, labels = {} } }))
print(pcall(cnngen.data, { rows = 0, cols = 4 }))
print(pcall(cnngen.data, { rows = 4, cols = 4, train = { images = { {} }, labels = { 1 } } }))
print(pcall(cnngen.data, { rows = 4, cols = 4, train = 3 }))
local many = {}
for i = 1, 100 do many[i] = img(0) end
print(pcall(cnngen.data, { rows = 4096, cols = 4096, train = { images = many, labels = many } }))
print(pcall(cnngen.vote, { m, m }, d))
print(pcall(cnngen.vote, {}, d))
