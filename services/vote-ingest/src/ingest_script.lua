-- Marks a voter as having voted and appends the vote to the votes stream, atomically: Redis
-- runs a script as one step, and writes its effects to the append-only file as one
-- MULTI/EXEC, so no crash leaves a voter marked without their vote or the reverse.
--
-- KEYS[1]  the shard's votes stream
-- KEYS[2]  the poll's set of voter hashes
-- ARGV[1]  the voter hash, or "" when the poll does not de-duplicate
-- ARGV[2..] the entry's field/value pairs
-- Returns the new entry's id, or false when this voter has voted already.
if ARGV[1] ~= '' then
  if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then
    return false
  end
end
return redis.call('XADD', KEYS[1], '*', unpack(ARGV, 2))
