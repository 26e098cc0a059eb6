-- The delivery log: one row per attempt to deliver a webhook event.
CREATE TABLE webhook_attempts (
    id                TEXT PRIMARY KEY,
    webhook_id        TEXT NOT NULL,
    delivery_id       TEXT NOT NULL,     -- also the delivery's webhook-id header
    event_id          TEXT NOT NULL,
    event             TEXT NOT NULL,
    attempt           INTEGER NOT NULL,  -- 1 for the first
    outcome           TEXT NOT NULL,     -- succeeded | failed
    http_status       INTEGER,
    latency_ms        INTEGER NOT NULL,
    error             TEXT,              -- timeout, dns, connect, tls, forbidden_target, http_status
    response_excerpt  TEXT NOT NULL,     -- the first 1 KiB of the answer
    attempted_at      INTEGER NOT NULL,
    next_attempt_at   INTEGER            -- when it is tried again, if it is
);
CREATE INDEX webhook_attempts_by_webhook ON webhook_attempts (webhook_id, attempted_at DESC, id);
CREATE INDEX webhook_attempts_by_time ON webhook_attempts (attempted_at);
