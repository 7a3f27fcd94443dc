-- huge numbers, NaN and infinities in every field
return network {
  name = "net", input = { 1, 0/0, 1/0 },
  layers = { conv { maps = 2^63, kernel = { -1/0, 1e308 }, stride = 0/0, pad = -0.0 },
             maxpool { size = math.maxinteger, stride = math.mininteger },
             dense { units = 2^53 + 1, act = "softmax" } },
  train = { eta = 1/0, batch = 0/0, l2 = -1/0, epochs = 1e300, seed = -2^63, limit = 2^53 },
}
