-- Queues one delivery unless it exists (a redelivered event queues nothing twice).
-- KEYS[1] the queue, KEYS[2] the delivery's hash. ARGV: delivery id, due (ms), then the
-- hash's field/value pairs. Returns 1 if queued.
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local fields = {}
for i = 3, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[2], unpack(fields))
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1
