-- expect: pool_last_with_cross_entropy.lua:3: network: cost "cross-entropy" needs a sigmoid output layer, but the last layer, maxpool (layer 2) on line 7, has no activation (add dense { units = N, act = "sigmoid" } after it, or use cost = "quadratic")
-- cross-entropy needs a sigmoid output, and a max-pool has no activation
return network {
  name = "net", input = { 1, 8, 8 },
  layers = {
    conv { maps = 2, kernel = 3, act = "sigmoid" },
    maxpool { size = 2 },
  },
  cost = "cross-entropy",
}
