-- pollcast embedded store (SQLite). Mirrors schema/scylla/0001_init.cql: same tables, same keys.
-- Applied once; the version lives in PRAGMA user_version.

CREATE TABLE workspaces (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspaces(id),
    name          TEXT NOT NULL,
    key_hash      TEXT NOT NULL UNIQUE,  -- SHA-256 of the key; the key itself is never stored
    scopes        TEXT NOT NULL,         -- JSON array of scope names
    created_at    INTEGER NOT NULL,
    revoked_at    INTEGER
);

CREATE TABLE polls (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    body          TEXT NOT NULL          -- the poll as JSON
);
CREATE INDEX polls_by_workspace ON polls (workspace_id, created_at DESC, id);

-- The vote log: partition (poll_id, bucket), clustered by the time-ordered vote id.
-- The key makes appends idempotent: a redelivered vote is the same row.
CREATE TABLE votes_by_poll (
    poll_id      TEXT NOT NULL,
    bucket       INTEGER NOT NULL,       -- day number of the vote id's timestamp
    vote_id      TEXT NOT NULL,
    option_ids   TEXT NOT NULL,          -- comma-separated option ids
    rating       INTEGER,
    voter        TEXT,
    received_at  INTEGER NOT NULL,
    PRIMARY KEY (poll_id, bucket, vote_id)
) WITHOUT ROWID;

CREATE TABLE results_snapshots (
    poll_id     TEXT PRIMARY KEY,
    seq         INTEGER NOT NULL,
    body        TEXT NOT NULL            -- the snapshot as JSON
);

CREATE TABLE meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
