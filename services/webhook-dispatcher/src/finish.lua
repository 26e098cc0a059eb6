-- A delivery ended: it leaves Redis (the store's delivery log keeps what happened), and its
-- endpoint leaves the ready set once nothing of it waits.
-- KEYS[1] the shard's ready set, KEYS[2] the endpoint's due set, KEYS[3] the delivery's hash
-- ARGV[1] the delivery id, ARGV[2] the endpoint id
redis.call('DEL', KEYS[3])
redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('ZCARD', KEYS[2]) == 0 then
  redis.call('ZREM', KEYS[1], ARGV[2])
end
return 1
