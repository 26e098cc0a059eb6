-- Whether tally has counted one votes-stream entry: its group has read past the entry and
-- the entry is no longer pending (tally acknowledges an entry in the same atomic step that
-- counts it, see tally's ack_count.lua).
--
-- KEYS[1]  the shard's votes stream
-- ARGV[1]  tally's consumer group
-- ARGV[2]  the entry id
-- Returns 1 when counted, else 0.
if #redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1) > 0 then
  return 0
end
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local em, es = parse(ARGV[2])
for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local name, last
  for i = 1, #g, 2 do
    if g[i] == 'name' then name = g[i + 1] elseif g[i] == 'last-delivered-id' then last = g[i + 1] end
  end
  if name == ARGV[1] and last then
    local lm, ls = parse(last)
    if lm and em and (lm > em or (lm == em and ls >= es)) then
      return 1
    end
  end
end
return 0
