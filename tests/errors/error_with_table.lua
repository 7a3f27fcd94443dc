-- expect: error_with_table.lua:3: the description raised an error object (a table value)
-- error() with a table value
error({ code = 1 })
