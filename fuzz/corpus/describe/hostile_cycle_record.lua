-- a layer record that holds itself
local d = dense { units = 2 }
d._args.units = d
return network { name = "net", input = { 1, 8, 8 }, layers = { d, d } }
