-- Chapter 6, step 2: a second convolution + max-pool stage, 40 maps over
-- the first stage's 20 (Nielsen, MNIST, 60 epochs: 99.06%).
return network {
  name  = "conv2",
  input = { 1, 28, 28 },
  layers = {
    conv    { maps = 20, kernel = 5, act = "sigmoid" },   -- 20 x 24 x 24
    maxpool { size = 2 },                                 -- 20 x 12 x 12
    conv    { maps = 40, kernel = 5, act = "sigmoid" },   -- 40 x 8 x 8
    maxpool { size = 2 },                                 -- 40 x 4 x 4
    dense   { units = 100, act = "sigmoid" },
    dense   { units = 10, act = "softmax" },
  },
  cost  = "log-likelihood",
  train = { eta = 0.1, batch = 10, l2 = 0, epochs = 6, seed = 1 },
}
