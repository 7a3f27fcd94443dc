-- Nielsen's deeper network (chapter 6): two conv + max-pool stages with
-- rectified linear units, a relu hidden layer and a softmax output.
return network {
  name  = "nielsen2",
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
  train = { eta = 0.03, batch = 10, l2 = 0.1, epochs = 60, seed = 1, data = "fashion-mnist" },
}
