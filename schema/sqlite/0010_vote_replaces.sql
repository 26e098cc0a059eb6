-- A ballot that replaced the voter's earlier one (polls with vote_change: while_open) names it.
ALTER TABLE votes_by_poll ADD COLUMN replaces TEXT;
