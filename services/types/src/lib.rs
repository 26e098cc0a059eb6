//! The pollcast domain model, shared by every service: ids, polls, votes, results and the
//! stable error codes. Framework-free on purpose, so the store and the wire format can use it.

pub mod account;
pub mod audit;
pub mod error_code;
pub mod hash;
pub mod ids;
pub mod open_text;
mod openapi;
pub mod poll;
pub mod results;
pub mod runoff;
pub mod scope;
pub mod timestamp;
pub mod vote;
pub mod webhook;
pub mod workspace;

pub use account::{Account, AccountId, Invitation, InvitationId, Membership, Role, Session};
pub use audit::{Audit, AuditLine};
pub use error_code::{ErrorCode, FieldError};
pub use ids::{ApiKeyId, OptionId, PollId, VoteId, WebhookId, WorkspaceId};
pub use open_text::{Moderation, OpenText, TermCount, TermState, TextEntry, TextLanguage};
pub use poll::{
    BotProtection, Dedupe, NewPoll, Poll, PollKind, PollOption, PollStatus, ResultsVisibility,
    VoteChange,
};
pub use results::{KindResults, OptionCount, ResultsSnapshot, ScoreCount, mean_score, share};
pub use runoff::{RunoffRound, instant_runoff};
pub use scope::Scope;
pub use timestamp::Timestamp;
pub use vote::VoteRecord;
pub use webhook::{
    DISABLE_FAILING_AFTER_MS, DispatcherAnswer, DispatcherCall, EventType,
    MAX_WEBHOOKS_PER_WORKSPACE, TestResult, Webhook, WebhookAttempt,
};
pub use workspace::{ApiKeyRecord, Workspace};
