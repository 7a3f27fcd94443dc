-- Nielsen's first convolutional network (Neural Networks and Deep Learning,
-- chapter 6): one conv layer of 20 5x5 feature maps, 2x2 max-pooling, a
-- sigmoid hidden layer of 100 units and a softmax output.
return network {
  name  = "nielsen1",
  input = { 1, 28, 28 },
  layers = {
    conv    { maps = 20, kernel = 5, act = "sigmoid" },
    maxpool { size = 2 },
    dense   { units = 100, act = "sigmoid" },
    dense   { units = 10, act = "softmax" },
  },
  cost  = "log-likelihood",
  train = { eta = 0.1, batch = 10, l2 = 0.1, epochs = 60, seed = 1, data = "fashion-mnist" },
}
