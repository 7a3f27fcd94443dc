-- expect: name_starts_with_digit.lua:3: network: name "9net" is not a C identifier (letters, digits and '_', not starting with a digit, not a C keyword, at most 48 characters)
-- a name that is not a C identifier
return network {
  name = "9net", input = { 1, 28, 28 },
  layers = {
    dense { units = 10, act = "softmax" },
  },
}
