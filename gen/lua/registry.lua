-- registry.lua: the layer kinds cnngen knows.  Adding a kind is one line
-- here plus gen/lua/layer/<kind>.lua, templates/<kind>_{forward,backward}.c.tpl
-- and tests/test_<kind>.c (see layer/TEMPLATE.lua).
local M = {}

M.order = { "conv", "maxpool", "dense" }

M.kinds = {}
for _, k in ipairs(M.order) do M.kinds[k] = require("layer." .. k) end

function M.example_list()
  local t = {}
  for _, k in ipairs(M.order) do t[#t + 1] = k .. " { ... }" end
  return table.concat(t, ", ")
end

return M
