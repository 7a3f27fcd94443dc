-- err.lua: user errors, as distinct from cnngen's own bugs.
-- A user error is raised as a table { cnngen_user_error = message }; the C
-- host prints its message as one line and exits with status 2.  Anything
-- else raised in the generator is an internal error (a bug): the host adds
-- a traceback and exits with status 3.
local M = {}

M.chunk = "?"        -- the description's file name, set by the generator

-- at(line, fmt, ...): raise "CHUNK:LINE: message"
function M.at(line, fmt, ...)
  local msg = select("#", ...) > 0 and string.format(fmt, ...) or fmt
  error({ cnngen_user_error = string.format("%s:%d: %s", M.chunk, line or 0, msg) }, 0)
end

-- plain(fmt, ...): raise a user error with no position (flags, files)
function M.plain(fmt, ...)
  local msg = select("#", ...) > 0 and string.format(fmt, ...) or fmt
  error({ cnngen_user_error = msg }, 0)
end

function M.is_user(e) return type(e) == "table" and e.cnngen_user_error ~= nil end

return M
