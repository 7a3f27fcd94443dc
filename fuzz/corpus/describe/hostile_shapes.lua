-- shapes at the edges: a 1x1 input, strides larger than the input, pooling everything
return network {
  name = "edge", input = { 1, 1, 1 },
  layers = { conv { maps = 1, kernel = 1, stride = 9 }, maxpool { size = 1, stride = 7 },
             conv { maps = 3, kernel = { 1, 1 } }, dense { units = 1, act = "linear" } },
  cost = "quadratic",
}
