-- expect: input_too_large.lua:3: network: input {3, 1048576, 1048576} is larger than cnngen's limit of 268435456 values per sample
-- input too large for any buffer
return network {
  name = "net", input = { 3, 1 << 20, 1 << 20 },
  layers = { dense { units = 10, act = "softmax" } },
}
