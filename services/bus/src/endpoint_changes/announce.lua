-- KEYS[1]: one votes shard's interest flag. An endpoint that wants `vote.created` is about to
-- be stored: the flag goes on, stamped with Redis's own time (ms), so the dispatcher cannot
-- clear it until the store write has surely ended.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], 'on', '1', 'since', string.format('%d', now))
return 1
