-- KEYS[1]: one votes shard's interest flag. ARGV[1]: the stamp `clearable` returned.
-- The flag goes off unless an endpoint was announced since (1 when it went off).
local since = redis.call('HGET', KEYS[1], 'since') or '0'
if since ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'on', '0')
return 1
