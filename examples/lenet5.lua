-- LeNet-5 (LeCun et al., 1998) for 28x28 images: the first convolution
-- pads by 2 so that it sees the 32x32 frame of the original.
return network {
  name  = "lenet5",
  input = { 1, 28, 28 },
  layers = {
    conv    { maps = 6, kernel = 5, pad = 2, act = "tanh" },
    maxpool { size = 2 },
    conv    { maps = 16, kernel = 5, act = "tanh" },
    maxpool { size = 2 },
    dense   { units = 120, act = "tanh" },
    dense   { units = 84, act = "tanh" },
    dense   { units = 10, act = "softmax" },
  },
  cost  = "log-likelihood",
  train = { eta = 0.05, batch = 10, l2 = 0.1, epochs = 20, seed = 1, data = "fashion-mnist" },
}
