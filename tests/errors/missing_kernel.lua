-- expect: missing_kernel.lua:6: conv (layer 1): missing field 'kernel' (for example: conv { maps = 20, kernel = 5, act = "sigmoid" })
-- conv without kernel
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    conv { maps = 20 },
    dense { units = 10, act = "softmax" },
  },
}
