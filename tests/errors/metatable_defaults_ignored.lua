-- expect: metatable_defaults_ignored.lua:6: conv (layer 1): missing field 'kernel' (for example: conv { maps = 20, kernel = 5, act = "sigmoid" })
-- fields are read raw: an __index default does not count
local defaults = { __index = { kernel = 5 } }
return network {
  name = "net", input = { 1, 28, 28 },
  layers = { conv(setmetatable({ maps = 20 }, defaults)), dense { units = 10, act = "softmax" } },
}
