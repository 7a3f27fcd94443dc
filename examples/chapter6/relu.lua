-- Chapter 6, step 3: rectified linear units instead of sigmoids, a
-- smaller learning rate and L2 regularization (Nielsen, MNIST, 60 epochs,
-- eta 0.03, lambda 0.1: 99.23%).
return network {
  name  = "relu",
  input = { 1, 28, 28 },
  layers = {
    conv    { maps = 20, kernel = 5, act = "relu" },
    maxpool { size = 2 },
    conv    { maps = 40, kernel = 5, act = "relu" },
    maxpool { size = 2 },
    dense   { units = 100, act = "relu" },
    dense   { units = 10, act = "softmax" },
  },
  cost  = "log-likelihood",
  train = { eta = 0.03, batch = 10, l2 = 0.1, epochs = 6, seed = 1 },
}
