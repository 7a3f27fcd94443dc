-- utf8 and string functions on odd bytes
local s = utf8.char(0x10FFFF, 0, 0x7FFFFFFF)
return network { name = s, input = { 1, 8, 8 }, layers = { dense { units = 2, act = "soft\0max" } },
                 cost = utf8.char(255):rep(300) }
