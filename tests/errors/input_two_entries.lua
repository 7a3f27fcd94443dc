-- expect: input_two_entries.lua:3: network: field 'input' must be a list {channels, height, width} of positive integers, got {28, 28}
-- input without the channel count
return network {
  name = "net", input = { 28, 28 },
  layers = {
    dense { units = 10, act = "softmax" },
  },
}
