-- data:split with counts out of range and not integers
local d = cnngen.data("data")
for _, n in ipairs({ 0, -1, 24, 25, 2^31, 2^53, -2^63, 1.5, 1/0, 0/0, "3", "x" }) do
  print(pcall(d.split, d, n))
end
print(pcall(d.split, d))
print(pcall(d.split, {}, 3))
local a, b = d:split(1)
print(pcall(a.split, a, 1))
