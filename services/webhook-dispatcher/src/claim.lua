-- Claims the due deliveries of several endpoints of one shard in one step, with what is
-- needed to send them: each is pushed a lease ahead (ARGV[2] ms), so no other dispatcher
-- takes it while this one sends, and one that crashes mid-send leaves it to be claimed again
-- when the lease ends. Each endpoint is then ready again when its next delivery is due.
--
-- KEYS[1]  the shard's ready set, then each endpoint's due set
-- ARGV[1]  now (Unix ms), ARGV[2] the lease (ms), ARGV[3] the deliveries' hash prefix,
--          then per endpoint: its id, how many to take at most
-- Returns per delivery: endpoint id, delivery id, event id, event type, body, attempts.
local now, lease_end, prefix = tonumber(ARGV[1]), tonumber(ARGV[1]) + tonumber(ARGV[2]), ARGV[3]
local out = {}
for e = 2, #KEYS do
  local webhook, most = ARGV[2 + 2 * (e - 1)], tonumber(ARGV[3 + 2 * (e - 1)])
  local due_set = KEYS[e]
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', due_set, '-inf', now, 'LIMIT', 0, most)) do
    local f = redis.call('HMGET', prefix .. id, 'event_id', 'event', 'body', 'attempts')
    if f[1] then
      redis.call('ZADD', due_set, lease_end, id)
      out[#out + 1] = webhook
      out[#out + 1] = id
      out[#out + 1] = f[1]
      out[#out + 1] = f[2]
      out[#out + 1] = f[3]
      out[#out + 1] = f[4]
    else
      redis.call('ZREM', due_set, id)
    end
  end
  local next = redis.call('ZRANGE', due_set, 0, 0, 'WITHSCORES')
  if next[2] then
    redis.call('ZADD', KEYS[1], next[2], webhook)
  else
    redis.call('ZREM', KEYS[1], webhook)
  end
end
return out
