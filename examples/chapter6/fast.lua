-- Time to accuracy: the relu net of step 3 with 200 hidden units, trained
-- for speed rather than Nielsen's way: mini-batches of 64 (two threads
-- share each one), momentum 0.9, and L2 λ = 30 (weight decay λ/n = 5e-4
-- a step, PyTorch's usual figure).  This train{} is the first stage;
-- run.lua then trains a few epochs at η / 10 (a model:train of its own).
-- examples/chapter6/pytorch_fast.py trains the same net the same way.
return network {
  name  = "fast",
  input = { 1, 28, 28 },
  layers = {
    conv    { maps = 20, kernel = 5, act = "relu" },   -- 20 x 24 x 24
    maxpool { size = 2 },                              -- 20 x 12 x 12
    conv    { maps = 40, kernel = 5, act = "relu" },   -- 40 x 8 x 8
    maxpool { size = 2 },                              -- 40 x 4 x 4
    dense   { units = 200, act = "relu" },
    dense   { units = 10, act = "softmax" },
  },
  cost  = "log-likelihood",
  train = { eta = 0.04, batch = 64, l2 = 30, momentum = 0.9, epochs = 8, seed = 1 },
}
