-- Chapter 6, step 0: the shallow net of the earlier chapters, one hidden
-- layer of 100 sigmoid units (Nielsen, MNIST, 60 epochs: 97.80%).
return network {
  name  = "shallow",
  input = { 1, 28, 28 },
  layers = {
    dense { units = 100, act = "sigmoid" },
    dense { units = 10, act = "softmax" },
  },
  cost  = "log-likelihood",
  train = { eta = 0.1, batch = 10, l2 = 0, epochs = 10, seed = 1 },
}
