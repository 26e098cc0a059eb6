-- The outbox of poll changes: each row is written in the same transaction as the change it
-- reports, and the webhook dispatcher turns it into poll.* deliveries, then deletes it.
CREATE TABLE poll_events (
    seq    INTEGER PRIMARY KEY AUTOINCREMENT,
    event  TEXT NOT NULL,      -- poll.created, poll.updated, ...
    at     INTEGER NOT NULL,   -- Unix ms
    poll   TEXT NOT NULL       -- the poll after the change (before it, for poll.deleted), JSON
);
