-- expect: train_not_table.lua:3: network: field 'train' must be a table, got 60
-- train is a table of fields
return network {
  name = "net", input = { 1, 28, 28 },
  layers = { dense { units = 10, act = "softmax" } },
  train = 60,
}
