-- expect: avgpool_runs_past_input.lua:6: avgpool (layer 1): pools of 3 with stride 2 run past the input's 10 columns (need (10 - 3) divisible by 2; pad the layer below or change size/stride)
-- 3x2 average pools with stride 2 do not tile 10 columns
return network {
  name = "net", input = { 1, 12, 10 },
  layers = {
    avgpool { size = { 2, 3 }, stride = 2 },
    dense { units = 10, act = "softmax" },
  },
}
