-- results.updated goes at most once per interval per poll, and the last change of a burst is
-- never lost: a snapshot that finds the gate closed waits as the poll's pending one (newer
-- replaces older) until the gate opens. KEYS[1] the poll's gate, KEYS[2] the pending
-- snapshots (poll -> message), KEYS[3] when each pending one is due. ARGV: poll, message,
-- now (ms), interval (ms). Returns "send" or "held".
if redis.call('SET', KEYS[1], ARGV[2], 'NX', 'PX', ARGV[4]) then
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[1])
  return 'send'
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then ttl = 0 end
redis.call('ZADD', KEYS[3], tonumber(ARGV[3]) + ttl, ARGV[1])
return 'held'
