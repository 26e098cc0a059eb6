-- The console's people: accounts, their roles in workspaces, their sessions, and the
-- invitations that let others join. Secrets (passwords, session ids, invitation tokens) are
-- stored only as hashes.
CREATE TABLE accounts (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,  -- lower-cased
    password_hash TEXT NOT NULL,         -- argon2id PHC string
    created_at    INTEGER NOT NULL
);
CREATE TABLE members (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    account_id   TEXT NOT NULL REFERENCES accounts(id),
    role         TEXT NOT NULL,          -- owner, editor, viewer
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, account_id)
);
CREATE INDEX members_by_account ON members (account_id);
CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,       -- SHA-256 of the cookie's random id
    account_id   TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX sessions_by_account ON sessions (account_id);
CREATE TABLE invitations (
    id           TEXT PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,   -- SHA-256 of the link's token
    workspace_id TEXT NOT NULL,
    role         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
