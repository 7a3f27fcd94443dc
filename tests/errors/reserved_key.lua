-- expect: reserved_key.lua:3: the description's result uses the key '_kind', which cnngen keeps for its own layer records (rename the field)
-- a plain table posing as a layer record
return network {
  name = "net", input = { 1, 28, 28 },
  layers = { { _kind = "bogus", _line = "x", _args = 1 }, dense { units = 10, act = "softmax" } },
}
