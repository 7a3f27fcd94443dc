-- cnngen.data with what is not a data set
for _, v in ipairs({ "missing", "", ".", "data/train-images-idx3-ubyte", 1, 0/0 }) do
  print(pcall(cnngen.data, v))
end
print(pcall(cnngen.data))
print(pcall(cnngen.data, {}))
