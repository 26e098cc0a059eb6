-- Checks the poll's live state, marks the voter as having voted and appends the vote to the
-- votes stream, atomically: Redis runs a script as one step and writes its effects to the
-- append-only file as one MULTI/EXEC, so no crash leaves a voter marked without their vote,
-- a vote past close_after_votes, or a vote in a closed or deleted poll.
--
-- KEYS[1]  the shard's votes stream
-- KEYS[2]  the poll's set of voter hashes
-- KEYS[3]  the poll's state hash (closed, deleted, limit, accepted, epoch)
-- KEYS[4]  the shard's schedule (to announce a close reached by close_after_votes)
-- ARGV[1]  the voter hash, or "" when the poll does not de-duplicate
-- ARGV[2]  now, Unix ms
-- ARGV[3]  the schedule member announcing this poll's close
-- ARGV[4..] the entry's field/value pairs
-- Returns the new entry's id, or "!deleted", "!closed", "!dup".
local st = redis.call('HMGET', KEYS[3], 'deleted', 'closed', 'limit', 'accepted', 'epoch')
if st[1] then return '!deleted' end
if st[2] then return '!closed' end
local limit = tonumber(st[3])
if limit and tonumber(st[4] or '0') >= limit then return '!closed' end
if ARGV[1] ~= '' then
  if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then
    return '!dup'
  end
end
-- The entry carries the poll's epoch as of this very step, so a reset can never be
-- half-seen: tally counts the vote only while the poll is still in that epoch.
local fields = {unpack(ARGV, 4)}
table.insert(fields, 'epoch')
table.insert(fields, st[5] or '0')
local id = redis.call('XADD', KEYS[1], '*', unpack(fields))
local accepted = redis.call('HINCRBY', KEYS[3], 'accepted', 1)
if limit and accepted >= limit then
  redis.call('HSET', KEYS[3], 'closed', '1')
  redis.call('ZADD', KEYS[4], ARGV[2], ARGV[3])
end
return id
