-- a misspelt field whose name is too long for a "did you mean"
return network { name = "net", input = { 1, 8, 8 },
                 layers = { dense { units = 2, ["uniiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiits"] = 1 } } }
