-- Delivers up to a batch of new votes-stream entries to this consumer (XREADGROUP ... >,
-- without blocking: a script cannot) and returns them as one string, so the client parses one
-- value instead of five or more per vote. Same delivery as the command itself: the entries
-- enter the group's pending list under this consumer.
--
-- KEYS[1..n]  the shards' votes streams
-- ARGV[1]     the consumer group
-- ARGV[2]     the consumer
-- ARGV[3]     most entries to deliver
-- Returns "" or records separated by \30; each record's parts are separated by \31: the
-- stream's index in KEYS (1-based), the entry id, then the entry's fields and values.
local args = {'GROUP', ARGV[1], ARGV[2], 'COUNT', ARGV[3], 'STREAMS'}
for i = 1, #KEYS do args[#args + 1] = KEYS[i] end
for _ = 1, #KEYS do args[#args + 1] = '>' end
local reply = redis.call('XREADGROUP', unpack(args))
if not reply then return '' end
local index = {}
for i = 1, #KEYS do index[KEYS[i]] = i end
local records = {}
for _, stream in ipairs(reply) do
  local k = index[stream[1]]
  for _, entry in ipairs(stream[2]) do
    records[#records + 1] = k .. '\31' .. entry[1] .. '\31' .. table.concat(entry[2] or {}, '\31')
  end
end
return table.concat(records, '\30')
