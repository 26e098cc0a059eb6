-- Takes a poll's pending snapshot if its gate has opened (closing the gate again for the next
-- interval). KEYS[1] the poll's gate, KEYS[2] the pending snapshots, KEYS[3] the due set.
-- ARGV: poll, now (ms), interval (ms). Returns the message, or "" when there is none to send.
local msg = redis.call('HGET', KEYS[2], ARGV[1])
if not msg then
  redis.call('ZREM', KEYS[3], ARGV[1])
  return ''
end
if redis.call('SET', KEYS[1], msg, 'NX', 'PX', ARGV[3]) then
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[1])
  return msg
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then ttl = 0 end
redis.call('ZADD', KEYS[3], tonumber(ARGV[2]) + ttl, ARGV[1])
return ''
