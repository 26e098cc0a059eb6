-- One results-broadcast instance reports how many watch a poll there, and learns how many
-- watch it everywhere. KEYS[1] the poll's viewers hash: instance -> "<count>:<expires ms>".
-- ARGV: instance, count, now (Unix ms), ttl (ms). An instance that stops reporting (killed)
-- drops out once its entry expires. Returns the sum of the live entries.
local key, instance, count, now, ttl = KEYS[1], ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if count > 0 then
  redis.call('HSET', key, instance, count .. ':' .. (now + ttl))
else
  redis.call('HDEL', key, instance)
end
local total = 0
local all = redis.call('HGETALL', key)
for i = 1, #all, 2 do
  local n, expires = string.match(all[i + 1], '^(%d+):(%d+)$')
  if n == nil or tonumber(expires) < now then
    redis.call('HDEL', key, all[i])
  else
    total = total + tonumber(n)
  end
end
if total > 0 then redis.call('PEXPIRE', key, ttl) end
return total
