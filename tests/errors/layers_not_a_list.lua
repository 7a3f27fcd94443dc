-- expect: layers_not_a_list.lua:3: network: field 'layers' must be a list of layers, got a dense layer
-- one layer where the list of layers should be
return network {
  name = "net", input = { 1, 28, 28 },
  layers = dense { units = 10, act = "softmax" },
}
