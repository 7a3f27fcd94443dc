-- integers written as floats, and almost-integers
return network {
  name = "net", input = { 1.0, 28.0, 28.000000000000004 },
  layers = { conv { maps = 2.0, kernel = 5.0, stride = 1.0 }, dense { units = 10.0, act = "softmax" } },
}
