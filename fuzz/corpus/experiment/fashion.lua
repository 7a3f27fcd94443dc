-- the known name, found through CNNGEN_DATASETS_DIR
local d = cnngen.data("fashion-mnist")
local m = cnngen.compile(network { name = "tiny", input = { 1, 4, 4 }, layers = { dense { units = 3, act = "softmax" } } }, { backend = "tcc" })
print(d:size(), m:evaluate(d))
