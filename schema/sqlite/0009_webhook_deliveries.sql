-- Deliveries as sent, for replays: the delivery queue in Redis holds only what is pending.
-- Forgotten with the delivery log (--webhook-log-days).
CREATE TABLE webhook_deliveries (
    webhook_id   TEXT NOT NULL,
    delivery_id  TEXT NOT NULL,
    event_id     TEXT NOT NULL,
    event        TEXT NOT NULL,
    body         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (webhook_id, delivery_id)
);
CREATE INDEX webhook_deliveries_by_created_at ON webhook_deliveries (created_at);
