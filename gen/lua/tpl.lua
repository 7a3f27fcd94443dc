-- tpl.lua: the template engine.  Compiles a line-oriented C template into
-- a Lua function:
--   * a line whose first non-blank character is '@' is a Lua statement;
--   * any other line is output text, with ${expr} replaced by expr's value
--     (formatted by the `tostr` function given to render).
-- Template line n becomes Lua line n, so an error in a template names the
-- template's own file and line (chunk name "@templates/<file>").
local M = {}

local function text_line(line)
  local parts, pos = {}, 1
  for s, expr, e in line:gmatch("()%$(%b{})()") do
    parts[#parts + 1] = string.format("%q", line:sub(pos, s - 1))
    parts[#parts + 1] = "_s(" .. expr:sub(2, -2) .. ")"
    pos = e
  end
  parts[#parts + 1] = string.format("%q", line:sub(pos))
  return "_o[#_o + 1] = " .. table.concat(parts, " .. ") .. " .. '\\n'"
end

-- compile(text, name, env) -> function(out, tostr); raises an internal
-- error naming the template when its Lua does not compile.
function M.compile(text, name, env)
  local lua = {}
  for line in (text .. "\n"):gmatch("(.-)\r?\n") do
    local code = line:match("^%s*@(.*)$")
    lua[#lua + 1] = code or text_line(line)
  end
  if lua[#lua] == text_line("") then lua[#lua] = nil end
  lua[1] = "local _o, _s = ...; " .. (lua[1] or "")
  local fn, err = load(table.concat(lua, "\n"), "@" .. name, "t", env)
  if not fn then error("template " .. name .. " does not compile: " .. err, 0) end
  return fn
end

-- render(fn, tostr) -> string
function M.render(fn, tostr)
  local out = {}
  fn(out, tostr or tostring)
  return table.concat(out)
end

return M
