-- Chapter 6, step 1: one convolution + max-pool stage in front of the
-- hidden layer: 20 maps of 5x5 local receptive fields with shared
-- weights, pooled 2x2 (Nielsen, MNIST, 60 epochs: 98.78%).
return network {
  name  = "conv1",
  input = { 1, 28, 28 },
  layers = {
    conv    { maps = 20, kernel = 5, act = "sigmoid" },   -- 20 x 24 x 24
    maxpool { size = 2 },                                 -- 20 x 12 x 12
    dense   { units = 100, act = "sigmoid" },
    dense   { units = 10, act = "softmax" },
  },
  cost  = "log-likelihood",
  train = { eta = 0.1, batch = 10, l2 = 0, epochs = 6, seed = 1 },
}
