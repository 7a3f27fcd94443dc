-- expect: cost_unknown.lua:3: network: unknown cost "log-likelyhood" (did you mean 'log-likelihood'?)
-- a misspelt cost
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    dense { units = 10, act = "softmax" },
  },
  cost = "log-likelyhood",
}
