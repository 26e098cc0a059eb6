-- KEYS[1]: one votes shard's interest flag. ARGV[1]: the lease (ms).
-- The stamp to clear the flag with, when it is on and its last announcement is older than
-- the lease; nil otherwise.
local flag = redis.call('HMGET', KEYS[1], 'on', 'since')
if flag[1] == '0' then return nil end
local since = flag[2] or '0'
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if now - tonumber(since) < tonumber(ARGV[1]) then return nil end
return since
