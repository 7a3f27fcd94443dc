-- print of a value whose __tostring never ends
print(setmetatable({}, { __tostring = function() while true do end end }))
