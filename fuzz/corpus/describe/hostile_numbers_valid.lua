-- large but valid numbers
return network {
  name = "net", input = { 1, 16384, 16384 },
  layers = { conv { maps = 1, kernel = 16384, stride = { 16384, 1 }, pad = 0, act = "relu" },
             dense { units = 1, act = "sigmoid" } },
  train = { eta = 1e308, batch = 2^53, l2 = 4.9e-324, epochs = 2^53, seed = 2^53, limit = 2^53 },
}
