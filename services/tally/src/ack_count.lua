-- Acknowledges a batch of votes-stream entries and counts each vote whose acknowledgement
-- this call made. XACK returns 1 only for an entry still pending in the group, and an entry
-- leaves the pending list exactly once, so each vote is counted exactly once no matter how
-- many times, or by how many consumers, it was delivered. The script runs atomically and is
-- written to the append-only file as one MULTI/EXEC: an ack is never persisted without its
-- count, nor the reverse.
--
-- KEYS[1]      the shard's votes stream
-- KEYS[2..]    the counts hashes of the polls in the batch
-- ARGV[1]      the consumer group
-- ARGV[2]      now, in Unix milliseconds
-- ARGV[3..]    per entry: counts-key index (0: acknowledge only), entry id, n, then n option ids
-- Returns the number of votes counted.
local group = ARGV[1]
local now = ARGV[2]
local counted = 0
local i = 3
while i <= #ARGV do
  local k = tonumber(ARGV[i])
  local id = ARGV[i + 1]
  local n = tonumber(ARGV[i + 2])
  if redis.call('XACK', KEYS[1], group, id) == 1 and k > 0 then
    local counts = KEYS[k]
    for j = 1, n do
      redis.call('HINCRBY', counts, 'o:' .. ARGV[i + 2 + j], 1)
    end
    redis.call('HINCRBY', counts, 'total', 1)
    redis.call('HINCRBY', counts, 'seq', 1)
    redis.call('HSET', counts, 'at', now)
    counted = counted + 1
  end
  i = i + 3 + n
end
return counted
