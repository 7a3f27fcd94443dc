-- blocks.lua: how the generated loops are cut into blocks (sizes the
-- templates write as constants).
local M = {}

-- divisor_at_most(n, cap) -> the largest divisor of n that is <= cap
function M.divisor_at_most(n, cap)
  for d = math.min(n, cap), 2, -1 do
    if n % d == 0 then return d end
  end
  return 1
end

-- blocks(n, b) -> how a loop over 0..n-1 goes b at a time: a list of
-- { from, to, size } (whole blocks of b, then one block of the rest)
function M.blocks(n, b)
  local t, whole = {}, n - n % b
  if whole > 0 then t[#t + 1] = { from = 0, to = whole, size = b } end
  if n % b > 0 then t[#t + 1] = { from = whole, to = n, size = n % b } end
  return t
end

-- whole_vectors(n) -> n rounded up to whole vectors of 16 floats
function M.whole_vectors(n) return (n + 15) // 16 * 16 end

return M
