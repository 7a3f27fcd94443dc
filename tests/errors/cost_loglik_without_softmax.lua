-- expect: cost_loglik_without_softmax.lua:3: network: cost "log-likelihood" needs a softmax output layer, but the last layer, dense (layer 1) on line 6, has act = "sigmoid" (give it act = "softmax", or use cost = "quadratic")
-- log-likelihood needs a softmax output
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    dense { units = 10, act = "sigmoid" },
  },
  cost = "log-likelihood",
}
