-- suggest.lua: the "did you mean" of every message about an unknown name:
-- dsl.lua's for fields and costs, and the sandbox's (gen/sandbox.c, which
-- calls it in the trusted state) for layer kinds and functions.
local M = {}

-- Edit distance counting a swap of two neighbours as one edit (optimal
-- string alignment), so "nmae" suggests "name" and "bacth" "batch".
local function distance(a, b)
  local d = {}
  for i = 0, #a do d[i] = { [0] = i } end
  for j = 0, #b do d[0][j] = j end
  for i = 1, #a do
    for j = 1, #b do
      local cost = a:sub(i, i) == b:sub(j, j) and 0 or 1
      local v = math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if i > 1 and j > 1 and a:sub(i, i) == b:sub(j - 1, j - 1) and a:sub(i - 1, i - 1) == b:sub(j, j) then
        v = math.min(v, d[i - 2][j - 2] + 1)
      end
      d[i][j] = v
    end
  end
  return d[#a][#b]
end

-- suggest(word, choices): the choice nearest to word, ignoring case, if it
-- is within a third of the choice's length (at least 1 edit); the first
-- of equally near ones; nil when none is near or word is over 64 bytes.
function M.suggest(word, choices)
  local best, bestd
  if #word > 64 then return nil end
  for _, c in ipairs(choices) do
    local d = distance(word:lower(), c:lower())
    if d <= math.max(1, #c // 3) and (not bestd or d < bestd) then best, bestd = c, d end
  end
  return best
end

return M
