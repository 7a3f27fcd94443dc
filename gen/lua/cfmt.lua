-- cfmt.lua: C text for numbers and small code patterns, in one place so
-- that precision (float/double) and unrolling are properties of these
-- helpers, not of copies of each template.
local M = {}

-- A C numeric context for one precision.
--   real      "float" | "double"
--   lit(x)    a literal of that type:  1.0f / 1.0
--   fn(name)  math.h function of that type: expf / exp
function M.context(real)
  local c = { real = real }
  local suffix = real == "float" and "f" or ""
  function c.lit(x)
    local s
    if x == math.floor(x) and math.abs(x) < 1e15 then
      s = string.format("%.1f", x)
    else
      s = string.format(real == "float" and "%.9g" or "%.17g", x)
      if not s:find("[%.eEn]") then s = s .. ".0" end
    end
    return s .. suffix
  end
  function c.fn(name) return name .. suffix end
  return c
end

-- value(v): template substitution.  Integers print as integers; a float
-- that is integral (a size computed with '/') is an internal error, so that
-- "12.0" never reaches C where a size is expected.
function M.value(v)
  local t = type(v)
  if t == "number" then
    if math.type(v) == "integer" then return string.format("%d", v) end
    error("internal error: template substituted the float " .. tostring(v) ..
          " (sizes must be integers; use //)", 0)
  elseif t == "string" then
    return v
  elseif t == "boolean" then
    return v and "1" or "0"
  end
  error("internal error: template substituted a " .. t, 0)
end

-- mul(k, v): C text for k*v, folded: "v", "2*v", "0".
function M.mul(k, v)
  if k == 0 then return "0" end
  if k == 1 then return v end
  return k .. "*" .. v
end

-- offset(base, k): "base + k" folded ("base" when k = 0, "base - 3").
function M.offset(base, k)
  if k == 0 then return base end
  if k < 0 then return base .. " - " .. (-k) end
  return base .. " + " .. k
end

-- index(k): "[k]" text helper for constant offsets
function M.index(k) return "[" .. k .. "]" end

-- join(list, sep)
function M.join(list, sep) return table.concat(list, sep or " ") end

-- wrap(stmts, indent, width): lay out short statements several to a line.
function M.wrap(stmts, indent, width)
  width = width or 100
  local lines, cur = {}, indent
  for _, s in ipairs(stmts) do
    if #cur > #indent and #cur + 1 + #s > width then
      lines[#lines + 1] = cur
      cur = indent
    end
    cur = (#cur > #indent) and (cur .. " " .. s) or (cur .. s)
  end
  if #cur > #indent then lines[#lines + 1] = cur end
  return table.concat(lines, "\n")
end

-- tree_sum(terms): the terms summed as a balanced tree, "(t1 + t2) + (t3 + t4)".
-- For tcc, which keeps the running sum of a statement in a register but
-- issues the additions in the order written: a chain t1 + t2 + ... + t16
-- is 16 dependent additions (the CPU waits ~3 cycles on each, and only a
-- few statements fit in its out-of-order window); a tree is 4 levels deep.
function M.tree_sum(terms, i, j)
  i, j = i or 1, j or #terms
  if i == j then return terms[i] end
  local m = (i + j - 1) // 2
  local function side(a, b) return a == b and terms[a] or "(" .. M.tree_sum(terms, a, b) .. ")" end
  return side(i, m) .. " + " .. side(m + 1, j)
end

-- wrap_sum(lines, indent, text, width): append the statement text to
-- lines, on several lines of at most width (default 110) characters if it
-- is longer, broken before a " + " (continuation lines 4 spaces further in)
function M.wrap_sum(lines, indent, text, width)
  width = width or 110
  while #text > width do
    local cut = text:sub(1, width):match(".*() %+ ")
    if not cut then break end
    lines[#lines + 1] = indent .. text:sub(1, cut - 1)
    text = "    " .. text:sub(cut + 1)
  end
  lines[#lines + 1] = indent .. text
end

return M
