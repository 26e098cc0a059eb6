-- Appends a group of votes of one shard (group commit: the votes that arrived while the
-- previous group was in Redis). For each vote, in order: checks the poll's live state, marks
-- the voter as having voted and appends the vote to the votes stream. Redis runs a script as
-- one step and writes its effects to the append-only file as one MULTI/EXEC, so no crash
-- leaves a voter marked without their vote, a vote past close_after_votes, or a vote in a
-- closed or deleted poll. Each vote's outcome is its own: one refused vote does not refuse
-- the others. Redis checks for out-of-memory only before a script's first write, so a full
-- Redis refuses the whole group before anything is written.
--
-- KEYS[1]  the shard's votes stream
-- KEYS[2]  the shard's schedule (to announce a close reached by close_after_votes)
-- then five keys per vote, the i-th vote's at 3 + 5(i-1):
--   the poll's set of voter hashes
--   the poll's state hash (closed, deleted, limit, accepted, epoch, shape)
--   the poll's option uses (votes accepted per option in this epoch)
--   the vote's idempotency record (read and written only when it has a record to keep)
--   the set of proof-of-work solutions used in the poll whose challenges expire in the same
--   minute as the vote's (read and written only when the vote carries a solution)
-- ARGV[1]  now, Unix ms (the server's clock)
-- then, per vote:
--   the voter hash, or "" when the poll does not de-duplicate
--   the schedule member announcing this poll's close
--   the deadline, Unix ms: the server has answered 503 by then, so a vote this script runs
--   later than that must not be stored (a 503 means "not stored", exactly)
--   the poll shape the vote was checked against
--   "" or the idempotency record to keep: "<request digest> <vote id> <accepted ms>"
--   "" or the ballot to keep for the voter, when the poll lets voters change their minds
--   (`vote_change: while_open`): "<vote id> <id,id,...|-> <rating|->"; the voter hash key
--   is then a hash of voter → their current ballot, and a voter who has one replaces it
--   (pollcast_wire::Ballot)
--   "" or "<solution> <expiry>": the vote's proof-of-work solution (the first 16 hex digits
--   of its challenge) and when its set may go, Unix ms (the end of the minute its challenge
--   expires in)
--   n, then the n option ids the vote names (for the option uses)
--   m, then the entry's m field and value items
-- Returns a line per vote, in order: the new entry's id (followed, for a change, by a space
-- and the id of the vote it replaced), or "!late", "!deleted", "!closed",
-- "!stale", "!dup", "!proof" (the solution was used), or "!idem <the record kept by the
-- first request with this key>" (a change's record ends with the vote id it replaced).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

-- Per poll (by state key), read once per group: its state, how many votes this group has
-- accepted so far, and the option uses it adds. The increments are written once per poll at
-- the end, still inside this one atomic step.
local polls = {}
local order = {}
-- The solution sets this group added to, and when each may go: one EXPIREAT each at the end.
local proof_sets = {}
local function poll_state(k)
  local key = KEYS[k + 1]
  local p = polls[key]
  if p == nil then
    local st = redis.call('HMGET', key, 'deleted', 'closed', 'limit', 'accepted', 'epoch', 'shape')
    p = {
      deleted = st[1], closed = st[2], limit = tonumber(st[3]),
      accepted = tonumber(st[4] or '0'), added = 0, epoch = st[5] or '0', shape = st[6],
      uses_key = KEYS[k + 2], uses = {}, member = nil,
    }
    polls[key] = p
    order[#order + 1] = key
  end
  return p
end

local function append(k, a)
  local voter, member, deadline, shape, record = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4]
  local change, proof = ARGV[a + 5], ARGV[a + 6]
  local n = tonumber(ARGV[a + 7])
  local options = a + 8
  local m = tonumber(ARGV[options + n])
  local fields_at = options + n + 1
  if now > tonumber(deadline) then return '!late' end
  if record ~= '' then
    local first = redis.call('GET', KEYS[k + 3])
    if first then return '!idem ' .. first end
  end
  local p = poll_state(k)
  if p.deleted then return '!deleted' end
  if p.closed then return '!closed' end
  if p.limit and p.accepted + p.added >= p.limit then return '!closed' end
  -- An edit changed the options or the kind since this vote was checked: check it again.
  if p.shape and p.shape ~= shape then return '!stale' end
  -- The solution is marked used here, after every check but the voter's, and unmarked if
  -- the voter turns out to have voted: so a refused vote never uses up its solution.
  local solution = nil
  if proof ~= '' then
    local expiry
    solution, expiry = string.match(proof, '^(%S+) (%d+)$')
    if redis.call('SADD', KEYS[k + 4], solution) == 0 then return '!proof' end
    proof_sets[KEYS[k + 4]] = expiry
  end
  -- The ballot this one replaces, as kept for the voter (changes only).
  local previous = nil
  if change ~= '' then
    previous = redis.call('HGET', KEYS[k], voter)
    redis.call('HSET', KEYS[k], voter, change)
  elseif voter ~= '' then
    if redis.call('SADD', KEYS[k], voter) == 0 then
      if solution then redis.call('SREM', KEYS[k + 4], solution) end
      return '!dup'
    end
  end
  for i = options, options + n - 1 do
    p.uses[ARGV[i]] = (p.uses[ARGV[i]] or 0) + 1
  end
  -- The entry carries the poll's epoch as of this very step, so a reset can never be
  -- half-seen: tally counts the vote only while the poll is still in that epoch. It ends
  -- the entry's last value (the vote line: pollcast_wire::VoteEntry).
  -- A change carries the ballot it replaces after the epoch, so tally moves the counts
  -- from that ballot to this one.
  local fields = {unpack(ARGV, fields_at, fields_at + m - 1)}
  fields[m] = fields[m] .. ' ' .. p.epoch
  if previous then fields[m] = fields[m] .. ' ' .. previous end
  local id = redis.call('XADD', KEYS[1], '*', unpack(fields))
  p.member = member
  -- A change leaves the number of voters (and close_after_votes) where it was.
  if not previous then p.added = p.added + 1 end
  local replaced = previous and string.match(previous, '^(%S+)') or nil
  if record ~= '' then
    if replaced then record = record .. ' ' .. replaced end
    redis.call('SET', KEYS[k + 3], record, 'EX', 86400)
  end
  if replaced then return id .. ' ' .. replaced end
  return id
end

local replies = {}
local a = 2
for k = 3, #KEYS, 5 do
  replies[#replies + 1] = append(k, a)
  -- The next vote's arguments start after this one's options and fields.
  local n = tonumber(ARGV[a + 7])
  a = a + 9 + n + tonumber(ARGV[a + 8 + n])
end

for _, key in ipairs(order) do
  local p = polls[key]
  for option, uses in pairs(p.uses) do
    redis.call('HINCRBY', p.uses_key, option, uses)
  end
  if p.added > 0 then
    local accepted = redis.call('HINCRBY', key, 'accepted', p.added)
    if p.limit and accepted >= p.limit then
      redis.call('HSET', key, 'closed', '1')
      redis.call('ZADD', KEYS[2], ARGV[1], p.member)
    end
  end
end
for key, expiry in pairs(proof_sets) do
  redis.call('PEXPIREAT', key, expiry)
end
-- One string, a line per vote: the client parses one reply instead of one per vote.
return table.concat(replies, '\n')
