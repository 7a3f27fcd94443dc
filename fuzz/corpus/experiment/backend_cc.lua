-- the cc backend (a compiler that fails at once)
local m = cnngen.compile(network { name = "tiny", input = { 1, 4, 4 }, layers = { dense { units = 3, act = "softmax" } } }, { backend = "cc" })
