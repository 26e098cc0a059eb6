-- An open-text ballot's entries, as JSON: [{"text", "term", "held"}].
ALTER TABLE votes_by_poll ADD COLUMN entries_json TEXT;
