-- expect: layer_plain_table.lua:3: network: layers[1] is a table, not a layer (write conv { ... }, maxpool { ... }, avgpool { ... }, dense { ... }, dropout { ... })
-- a plain table where a layer should be
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    { maps = 20, kernel = 5 },
    dense { units = 10, act = "softmax" },
  },
}
