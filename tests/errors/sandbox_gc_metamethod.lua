-- expect: sandbox_gc_metamethod.lua:3: setmetatable: a metatable with __gc is not allowed in a description
-- finalizers run with hooks off, so __gc is refused
setmetatable({}, { __gc = function() while true do end end })
return 1
