-- expect: returns_number.lua:3: the description must return network { ... }, not 42
-- something other than a network is returned
return 42
