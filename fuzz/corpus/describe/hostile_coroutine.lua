-- a coroutine that never finishes (the sandbox has no coroutine library)
local co = coroutine.create(function() while true do coroutine.yield() end end)
while true do coroutine.resume(co) end
