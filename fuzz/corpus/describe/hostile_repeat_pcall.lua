-- a budget error caught by pcall must still end the description
while true do pcall(function() while true do end end) end
