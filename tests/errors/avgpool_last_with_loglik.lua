-- expect: avgpool_last_with_loglik.lua:3: network: cost "log-likelihood" needs a softmax output layer, but the last layer, avgpool (layer 2) on line 7, has no activation (add dense { units = N, act = "softmax" } after it, or use cost = "quadratic")
-- log-likelihood needs a softmax output, and an average pool has none
return network {
  name = "net", input = { 1, 8, 8 },
  layers = {
    conv { maps = 2, kernel = 3 },
    avgpool { size = 2 },
  },
  cost = "log-likelihood",
}
