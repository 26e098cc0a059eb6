-- Queues deliveries, each once, and (when ARGV[1] names a consumer group) acknowledges the
-- events they come from in the same atomic step: an event acknowledged by another
-- dispatcher already (it took the event over) queues nothing, so an event's deliveries are
-- queued exactly once and nothing has to remember finished deliveries.
--
-- KEYS[1]  the events' stream (unused without a group), KEYS[2] the shard's ready set, then
--          per delivery: its endpoint's due set, its hash
-- ARGV[1]  the consumer group, or '' (queue only: outbox events, replays, results)
-- ARGV[2]  when the deliveries are due (Unix ms)
-- ARGV[3..] per event: its entry id ('' without a group), n, then n deliveries of 5 values:
--          delivery id, endpoint id, event id, event type, body
-- Returns how many deliveries were queued.
local group, due = ARGV[1], tonumber(ARGV[2])
local a, k, queued = 3, 3, 0
while a <= #ARGV do
  local entry, n = ARGV[a], tonumber(ARGV[a + 1])
  a = a + 2
  local take = group == '' or redis.call('XACK', KEYS[1], group, entry) == 1
  for _ = 1, n do
    local id, webhook = ARGV[a], ARGV[a + 1]
    local due_set, hash = KEYS[k], KEYS[k + 1]
    if take and redis.call('EXISTS', hash) == 0 then
      redis.call('HSET', hash, 'webhook', webhook, 'event_id', ARGV[a + 2], 'event', ARGV[a + 3],
        'body', ARGV[a + 4], 'attempts', 0)
      redis.call('ZADD', due_set, due, id)
      redis.call('ZADD', KEYS[2], 'LT', due, webhook)
      queued = queued + 1
    end
    a = a + 5
    k = k + 2
  end
end
return queued
