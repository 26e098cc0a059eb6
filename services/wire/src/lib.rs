//! What travels through Redis between the services: key names, and the entries of the votes
//! and results streams. Every service encodes and decodes through here, so the format has one
//! definition (documented in `docs/architecture.md`).

mod counts;
mod keys;
mod results_entry;
mod text_entries;
mod vote_entry;

pub use counts::{
    ENTRIES_FIELD, SEQ_FIELD, TOTAL_FIELD, UPDATED_FIELD, counted_term, entry_increments,
    increments, option_field, snapshot_from_counts,
};
pub use keys::{Keys, TIMELINE_MAX_FIELDS, TIMELINE_MINUTES, shard_for};
pub use results_entry::{RESULTS_STREAM_LEN, ResultsEntry, ResultsMessage, StatusMessage};
pub use vote_entry::{Ballot, DecodeError, VoteEntry};

/// The consumer group tally reads the votes streams with.
pub const TALLY_GROUP: &str = "tally";
/// The consumer group the webhook dispatcher reads votes and events in.
pub const WEBHOOK_GROUP: &str = "webhooks";
/// The name the api and the console ask the webhook dispatcher's test deliveries and replays
/// under (`pollcast_bus::calls`), and the dispatcher answers them under.
pub const WEBHOOK_DISPATCHER_CALLS: &str = "webhook-dispatcher";
