-- errors raised with values that are not strings
error(setmetatable({}, { __tostring = function() while true do end end }))
