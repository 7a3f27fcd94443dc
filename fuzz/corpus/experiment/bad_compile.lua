-- cnngen.compile with what is not a network
print(pcall(cnngen.compile))
print(pcall(cnngen.compile, 1))
print(pcall(cnngen.compile, {}))
print(pcall(cnngen.compile, dense { units = 3 }))
print(pcall(cnngen.compile, network { name = "x" }))
print(pcall(cnngen.compile, network { name = "x", input = { 1, 4, 4 }, layers = { dense { units = 3 } } }, "tcc"))
print(pcall(cnngen.compile, network { name = "x", input = { 1, 4, 4 }, layers = { dense { units = 3 } } }, { backend = 1 }))
