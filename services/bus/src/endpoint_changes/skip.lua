-- KEYS[1]: one votes shard's interest flag; KEYS[2]: that shard's votes stream.
-- ARGV[1]: the dispatcher's consumer group.
-- While the flag is off, the group moves past every vote in the stream without reading one
-- (0); with it on, or unknown, the votes must be read (1). One step with the flag check: a
-- vote added after the flag went on is never skipped.
if redis.call('HGET', KEYS[1], 'on') == '0' then
  redis.call('XGROUP', 'SETID', KEYS[2], ARGV[1], '$')
  return 0
end
return 1
