-- Idempotency keys are kept a day: the api purges older ones hourly, by this index.
CREATE INDEX idempotency_keys_by_created_at ON idempotency_keys (created_at);
