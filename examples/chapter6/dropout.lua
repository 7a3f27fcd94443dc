-- Chapter 6, step 6: two fully connected layers of 1000 relu units with
-- dropout (p = 0.5) on the input of each fully connected layer, as
-- network3.py applies it, on the expanded data (Nielsen, MNIST, 40
-- epochs: 99.60%).  The five nets of the ensemble (run.lua) are this one
-- with five seeds.
return network {
  name  = "dropout",
  input = { 1, 28, 28 },
  layers = {
    conv    { maps = 20, kernel = 5, act = "relu" },
    maxpool { size = 2 },
    conv    { maps = 40, kernel = 5, act = "relu" },
    maxpool { size = 2 },
    dropout { p = 0.5 },
    dense   { units = 1000, act = "relu" },
    dropout { p = 0.5 },
    dense   { units = 1000, act = "relu" },
    dropout { p = 0.5 },
    dense   { units = 10, act = "softmax" },
  },
  cost  = "log-likelihood",
  train = { eta = 0.03, batch = 10, l2 = 0.1, epochs = 1, seed = 1, expand = "shift1" },
}
