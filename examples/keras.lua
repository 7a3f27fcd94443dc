-- The Fashion-MNIST net of the Keras and PyTorch tutorials: two relu
-- conv + max-pool stages, then a dense layer.  The second pool's input is
-- 11x11: its 2x2 windows cover 10x10 and the last row and column are
-- dropped, as PyTorch (ceil_mode=False) and Keras ("valid") do;
-- `cnngen info` says so.  The shapes and the 225,034 parameters are
-- PyTorch's, in its layout.
return network {
  name  = "keras",
  input = { 1, 28, 28 },
  layers = {
    conv    { maps = 32, kernel = 3, act = "relu" },   -- 26x26
    maxpool { size = 2 },                              -- 13x13
    conv    { maps = 64, kernel = 3, act = "relu" },   -- 11x11
    maxpool { size = 2 },                              -- 5x5: drops the last row and column
    dense   { units = 128, act = "relu" },
    dense   { units = 10, act = "softmax" },
  },
  cost  = "log-likelihood",
  train = { eta = 0.05, batch = 10, l2 = 0.1, epochs = 10, seed = 1, data = "fashion-mnist" },
}
