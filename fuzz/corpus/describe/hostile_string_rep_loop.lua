-- string.rep in a loop: the bytes allocated count against the instructions
for i = 1, 1e9 do local s = string.rep("ab", 1e6) end
