-- expect: pool_runs_past_input.lua:7: maxpool (layer 2): pools of 2 with stride 2 run past the input's 25 rows (need (25 - 2) divisible by 2; pad the layer below or change size/stride)
-- conv 4 leaves 25 rows: 2x2 pools do not tile them
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    conv { maps = 20, kernel = 4 },
    maxpool { size = 2 },
    dense { units = 10, act = "softmax" },
  },
}
