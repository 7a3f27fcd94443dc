-- values the copy cannot carry: functions, threads-to-be, userdata-like keys
local f = function() end
return network { name = "net", input = { 1, 8, 8 }, layers = { dense { units = f, act = print } },
                 train = { [f] = 1, [{}] = 2, [true] = 3, [1.5] = 4 } }
