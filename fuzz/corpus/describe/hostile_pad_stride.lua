-- padding and strides that leave the edges unused
return network {
  name = "padded", input = { 3, 7, 5 },
  layers = { conv { maps = 5, kernel = { 3, 2 }, stride = { 2, 3 }, pad = 1, act = "tanh" },
             maxpool { size = { 2, 1 }, stride = { 1, 2 } },
             dense { units = 4, act = "sigmoid" } },
  cost = "cross-entropy",
}
