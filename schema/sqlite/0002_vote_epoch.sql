-- A poll's reset starts a new epoch; votes of earlier epochs are no longer the poll's.
ALTER TABLE votes_by_poll ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;
