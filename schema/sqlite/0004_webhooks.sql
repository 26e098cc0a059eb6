-- Webhook endpoints. The body is the endpoint as JSON, its signing secrets sealed with the
-- server's key (never in clear).
CREATE TABLE webhooks (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    body          TEXT NOT NULL
);
CREATE INDEX webhooks_by_workspace ON webhooks (workspace_id, created_at DESC, id);
