-- expect: name_keyword.lua:3: network: name "int" is not a C identifier (letters, digits and '_', not starting with a digit, not a C keyword, at most 48 characters)
-- a C keyword as the name
return network {
  name = "int", input = { 1, 28, 28 },
  layers = {
    dense { units = 10, act = "softmax" },
  },
}
