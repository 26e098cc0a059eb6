-- Checks the poll's live state, marks the voter as having voted and appends the vote to the
-- votes stream, atomically: Redis runs a script as one step and writes its effects to the
-- append-only file as one MULTI/EXEC, so no crash leaves a voter marked without their vote,
-- a vote past close_after_votes, or a vote in a closed or deleted poll.
--
-- KEYS[1]  the shard's votes stream
-- KEYS[2]  the poll's set of voter hashes
-- KEYS[3]  the poll's state hash (closed, deleted, limit, accepted, epoch, shape)
-- KEYS[4]  the shard's schedule (to announce a close reached by close_after_votes)
-- KEYS[5]  the poll's option uses (votes accepted per option in this epoch)
-- KEYS[6]  the vote's idempotency record (read and written only when ARGV[6] is not "")
-- ARGV[1]  the voter hash, or "" when the poll does not de-duplicate
-- ARGV[2]  now, Unix ms (the server's clock)
-- ARGV[3]  the schedule member announcing this poll's close
-- ARGV[4]  the deadline, Unix ms: the server has answered 503 by then, so a vote this script
--          runs later than that must not be stored (a 503 means "not stored", exactly)
-- ARGV[5]  the poll shape the vote was checked against
-- ARGV[6]  "" or the idempotency record to keep: "<request digest> <vote id> <accepted ms>"
-- ARGV[7]  n, the number of option ids that follow
-- ARGV[8 .. 7+n]        the option ids the vote names (for the option uses)
-- ARGV[8+n ..]          the entry's field/value pairs
-- Returns the new entry's id, or "!late", "!deleted", "!closed", "!stale", "!dup", or
-- "!idem <the record kept by the first request with this key>".
local t = redis.call('TIME')
if tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) > tonumber(ARGV[4]) then
  return '!late'
end
if ARGV[6] ~= '' then
  local first = redis.call('GET', KEYS[6])
  if first then return '!idem ' .. first end
end
local st = redis.call('HMGET', KEYS[3], 'deleted', 'closed', 'limit', 'accepted', 'epoch', 'shape')
if st[1] then return '!deleted' end
if st[2] then return '!closed' end
local limit = tonumber(st[3])
if limit and tonumber(st[4] or '0') >= limit then return '!closed' end
-- An edit changed the options or the kind since this vote was checked: check it again.
if st[6] and st[6] ~= ARGV[5] then return '!stale' end
if ARGV[1] ~= '' then
  if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then
    return '!dup'
  end
end
local n = tonumber(ARGV[7])
for i = 8, 7 + n do
  redis.call('HINCRBY', KEYS[5], ARGV[i], 1)
end
-- The entry carries the poll's epoch as of this very step, so a reset can never be
-- half-seen: tally counts the vote only while the poll is still in that epoch.
local fields = {unpack(ARGV, 8 + n)}
table.insert(fields, 'epoch')
table.insert(fields, st[5] or '0')
local id = redis.call('XADD', KEYS[1], '*', unpack(fields))
local accepted = redis.call('HINCRBY', KEYS[3], 'accepted', 1)
if limit and accepted >= limit then
  redis.call('HSET', KEYS[3], 'closed', '1')
  redis.call('ZADD', KEYS[4], ARGV[2], ARGV[3])
end
if ARGV[6] ~= '' then
  redis.call('SET', KEYS[6], ARGV[6], 'EX', 86400)
end
return id
