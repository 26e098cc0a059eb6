-- Deliveries ended: each leaves Redis (the store's delivery log keeps what happened), and an
-- endpoint leaves the ready set once nothing of it waits. Many at once: the sender batches
-- what ended while the last call ran.
-- KEYS[1] the shard's ready set; then per delivery: KEYS[2i] its endpoint's due set,
-- KEYS[2i+1] its hash. ARGV per delivery: ARGV[2i-1] the delivery id, ARGV[2i] the endpoint id
local endpoints = {}
for i = 1, #ARGV / 2 do
  local due = KEYS[2 * i]
  redis.call('DEL', KEYS[2 * i + 1])
  redis.call('ZREM', due, ARGV[2 * i - 1])
  endpoints[ARGV[2 * i]] = due
end
for endpoint, due in pairs(endpoints) do
  if redis.call('ZCARD', due) == 0 then
    redis.call('ZREM', KEYS[1], endpoint)
  end
end
return #ARGV / 2
