-- expect: syntax_error.lua:6: '}' expected near 'kernel'
-- a missing comma
return network {
  name = "net", input = { 1, 28, 28 },
  layers = {
    conv { maps = 20 kernel = 5 },
  },
}
