-- expect: avgpool_softmax.lua:7: avgpool (layer 2): unknown field 'act' (known fields: size, stride)
-- an average pool has no activation
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    conv { maps = 6, kernel = 5 },
    avgpool { size = 2, act = "softmax" },
  },
}
