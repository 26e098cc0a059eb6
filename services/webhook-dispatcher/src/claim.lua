-- Claims up to ARGV[3] deliveries due by ARGV[1] (ms): each is pushed ARGV[2] ms ahead, so
-- no other dispatcher takes it while this one sends; one that crashes mid-send leaves it to
-- be claimed again when the lease ends. KEYS[1] the queue. Returns the ids.
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local lease_end = tonumber(ARGV[1]) + tonumber(ARGV[2])
for _, id in ipairs(due) do redis.call('ZADD', KEYS[1], lease_end, id) end
return due
