-- Responses to creating POSTs, by Idempotency-Key, so a retry replays the first answer.
CREATE TABLE idempotency_keys (
    workspace_id  TEXT NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status        INTEGER NOT NULL,      -- 0 while the first request is being handled
    response      TEXT NOT NULL,         -- JSON: {"body": ..., "location": ...}
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, key)
);
