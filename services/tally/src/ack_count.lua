-- Acknowledges a batch of votes-stream entries and counts each vote whose acknowledgement
-- this call made. XACK counts only entries still pending in the group, and an entry leaves
-- the pending list exactly once, so each vote is counted exactly once no matter how many
-- times, or by how many consumers, it was delivered. The script runs atomically and is
-- written to the append-only file as one MULTI/EXEC: an ack is never persisted without its
-- count, nor the reverse. Votes of an epoch their poll has left (it was reset since) are
-- acknowledged only.
--
-- The entries come in groups of votes that count the same (same poll, epoch and
-- increments), so a group is acknowledged with one XACK and counted by what it returns.
--
-- KEYS[1]      the shard's votes stream
-- KEYS[k]      the counts hash of a poll in the batch; KEYS[k+1] is that poll's state hash,
--              KEYS[k+2] its timeline (votes counted per Unix minute), and for open-text
--              terms KEYS[k+3] its terms, KEYS[k+4] its cloud, KEYS[k+5] its words
--              (pollcast_wire::Keys)
-- ARGV[1]      the consumer group
-- ARGV[2]      now, in Unix milliseconds
-- ARGV[3]      minutes a timeline keeps, ARGV[4] the most fields it may hold before the
--              minutes older than that are forgotten (pollcast_wire::TIMELINE_MINUTES)
-- ARGV[5..]    per group: counts-key index k (0: acknowledge only), epoch, voters (1: each
--              vote is a new voter's, adding to total and the timeline; 0: each replaced
--              its voter's earlier ballot, moving counts only), n, then n (field, amount)
--              pairs: what counting one vote adds to the counts hash besides total and seq
--              (per poll kind, see pollcast_wire::entry_increments; negative for the ballot
--              a change replaced; a field starting `t:` counts an open-text term, see
--              count_term); then c, and the c entry ids
-- Returns the number of votes counted (changes included).
local group = ARGV[1]
local now = ARGV[2]
local keep_minutes = tonumber(ARGV[3])
local max_fields = tonumber(ARGV[4])
local epoch = {}
-- What the batch adds, per counts key index: written once per poll at the end, still inside
-- this one atomic step.
local adds = {}
local order = {}
local counted = 0

-- Most spellings kept per term: beyond that the rarest are forgotten (a term has a handful:
-- its case and punctuation variants).
local MAX_SPELLINGS = 16

-- The spelling counts of a term, `words`' field `v:<term>`: "<n>\t<spelling>\n" each, in
-- the order first seen. Adds `amount` to `spelling`'s and sets `s:<term>`, the spelling
-- shown, to the most frequent (ties: the first seen), in both directions: a change that
-- takes entries away can hand the cloud back to another spelling.
local function respell(words, term, spelling, amount)
  local list = redis.call('HGET', words, 'v:' .. term) or ''
  local kept, found = {}, false
  for n, s in string.gmatch(list, '(%-?%d+)\t([^\n]*)\n') do
    n = tonumber(n)
    if s == spelling then
      n = n + amount
      found = true
    end
    if n > 0 then kept[#kept + 1] = {n, s} end
  end
  if not found and amount > 0 then kept[#kept + 1] = {amount, spelling} end
  if #kept == 0 then
    redis.call('HDEL', words, 'v:' .. term, 's:' .. term)
    return
  end
  local best = kept[1]
  for i = 2, #kept do
    if kept[i][1] > best[1] then best = kept[i] end
  end
  while #kept > MAX_SPELLINGS do
    local rarest = 1
    for i = 2, #kept do
      if kept[i][1] < kept[rarest][1] then rarest = i end
    end
    table.remove(kept, rarest)
  end
  local out = {}
  for i = 1, #kept do out[i] = kept[i][1] .. '\t' .. kept[i][2] .. '\n' end
  redis.call('HSET', words, 'v:' .. term, table.concat(out), 's:' .. term, best[2])
end

-- Counts `amount` entries of a term, spelled `spelling`, `flag` 'h' if held for the owner:
-- the term's count in the poll's terms, the same count in its cloud when the public may see
-- it (the owner approved it, or it was not held and not hidden, or it is in the cloud
-- already), and its spellings (`respell`).
local function count_term(k, field, amount)
  local flag, term, spelling = string.match(field, '^t:(%a):([^\n]*)\n(.*)$')
  if not term then return end
  local terms, cloud, words = KEYS[k + 3], KEYS[k + 4], KEYS[k + 5]
  local score = tonumber(redis.call('ZINCRBY', terms, amount, term))
  if score <= 0 then
    redis.call('ZREM', terms, term)
    redis.call('ZREM', cloud, term)
  else
    local state = redis.call('HGET', words, 'm:' .. term)
    if state == 'approved' or (state ~= 'hidden'
        and (flag == 's' or redis.call('ZSCORE', cloud, term))) then
      redis.call('ZADD', cloud, score, term)
    end
  end
  respell(words, term, spelling, amount)
end

-- XACK takes the ids as arguments: at most this many at a time (Lua's stack is bounded).
local CHUNK = 1000
local i = 5
while i <= #ARGV do
  local k = tonumber(ARGV[i])
  local vote_epoch = ARGV[i + 1]
  local voters = tonumber(ARGV[i + 2])
  local n = tonumber(ARGV[i + 3])
  local c = tonumber(ARGV[i + 4 + 2 * n])
  local ids = i + 5 + 2 * n
  local acked = 0
  for from = ids, ids + c - 1, CHUNK do
    acked = acked + redis.call('XACK', KEYS[1], group, unpack(ARGV, from, math.min(from + CHUNK, ids + c) - 1))
  end
  if acked > 0 and k > 0 then
    if epoch[k] == nil then
      epoch[k] = redis.call('HGET', KEYS[k + 1], 'epoch') or '0'
    end
    if vote_epoch == epoch[k] then
      local add = adds[k]
      if add == nil then
        add = {fields = {}, total = 0, seq = 0}
        adds[k] = add
        order[#order + 1] = k
      end
      for j = 1, n do
        local at = i + 2 + 2 * j
        add.fields[ARGV[at]] = (add.fields[ARGV[at]] or 0) + acked * tonumber(ARGV[at + 1])
      end
      add.total = add.total + acked * voters
      add.seq = add.seq + acked
      counted = counted + acked
    end
  end
  i = ids + c
end
for _, k in ipairs(order) do
  local counts = KEYS[k]
  local add = adds[k]
  for field, amount in pairs(add.fields) do
    if string.sub(field, 1, 2) == 't:' then
      if amount ~= 0 then count_term(k, field, amount) end
    else
      redis.call('HINCRBY', counts, field, amount)
    end
  end
  redis.call('HINCRBY', counts, 'total', add.total)
  redis.call('HINCRBY', counts, 'seq', add.seq)
  redis.call('HSET', counts, 'at', now)
  local timeline = KEYS[k + 2]
  local minute = math.floor(tonumber(now) / 60000)
  -- A new minute (the field was just made) on a full timeline: forget what the chart no
  -- longer shows. At most once a minute per poll, so the timeline stays bounded.
  if add.total > 0 and redis.call('HINCRBY', timeline, minute, add.total) == add.total
      and redis.call('HLEN', timeline) > max_fields then
    for _, m in ipairs(redis.call('HKEYS', timeline)) do
      if tonumber(m) <= minute - keep_minutes then
        redis.call('HDEL', timeline, m)
      end
    end
  end
end
return counted
