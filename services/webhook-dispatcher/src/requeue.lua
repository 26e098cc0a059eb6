-- Sends a kept delivery again (a replay): pending, due now. KEYS[1] the queue, KEYS[2] the
-- delivery's hash; ARGV: delivery id, now (ms). Returns 0 if the delivery is no longer kept.
if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
redis.call('HSET', KEYS[2], 'state', 'pending')
redis.call('PERSIST', KEYS[2])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1
