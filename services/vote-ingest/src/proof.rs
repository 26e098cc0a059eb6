//! Bot protection (docs/bot-protection.md): the proof-of-work challenges a protected poll's
//! browser votes carry. Challenges are ALTCHA's (`pollcast_auth::altcha`), signed with a key
//! derived from the server secret and bound to one poll by their salt; a solution is checked
//! here in microseconds, and the ingest script records it as used in the same atomic step
//! that stores the vote.

use std::time::Instant;

use actix_web::{FromRequest, HttpRequest};
use pollcast_auth::{MaybeCaller, altcha};
use pollcast_http::ApiError;
use pollcast_runtime::ServerSecret;
use pollcast_types::{BotProtection, Dedupe, ErrorCode, Poll, Timestamp};

use crate::difficulty::{Difficulty, Signal};

/// How long a challenge may be solved and used. Its solution stays recorded as used for as
/// long, so this bounds that memory (Redis holds this long's protected votes); a visitor who
/// reads longer gets a new challenge solved when they vote (the widget re-solves one that is
/// within a minute of expiring).
pub const CHALLENGE_TTL_SECS: i64 = 300;

/// A solution that verified: its challenge, to be recorded as used until it expires.
pub struct SolvedChallenge {
    pub challenge: String,
    pub expires_at: Timestamp,
}

impl SolvedChallenge {
    /// What names the solution among the used ones: 64 bits of its challenge. Two
    /// solutions of one poll and minute alike in them (about 1 in 10^7 at a million votes
    /// that minute) would cost the second voter one more solve, nothing more.
    pub fn solution(&self) -> &str {
        self.challenge.get(..16).unwrap_or(&self.challenge)
    }

    /// The Unix minute the challenge expires in: solutions are kept in one set per minute.
    pub fn minute(&self) -> i64 {
        self.expires_at.as_millis().div_euclid(60_000)
    }

    /// When the set of this minute's solutions may go: once every challenge in it expired.
    pub fn set_expires_at(&self) -> Timestamp {
        Timestamp::from_millis((self.minute() + 1) * 60_000)
    }
}

pub struct Challenges {
    key: altcha::Key,
    pub difficulty: Difficulty,
}

impl Challenges {
    pub fn new(secret: &ServerSecret, base_difficulty: u64) -> Self {
        Self {
            key: altcha::server_key(secret),
            difficulty: Difficulty::new(base_difficulty),
        }
    }

    /// A new challenge for `poll`, at the poll's current difficulty.
    pub fn issue(&self, poll: &Poll, now: Timestamp) -> altcha::Challenge {
        let maxnumber = self.difficulty.maxnumber(&poll.id, Instant::now());
        let expires = now.as_millis() / 1000 + CHALLENGE_TTL_SECS;
        altcha::create(&self.key, maxnumber, expires, &[("poll", poll.id.as_str())])
    }

    /// What a vote on `poll` must show: `None` when it needs no proof (the poll is not
    /// protected, or the vote is vouched for), else the verified solution.
    pub async fn check(
        &self,
        poll: &Poll,
        req: &HttpRequest,
        proof: Option<&str>,
        now: Timestamp,
    ) -> Result<Option<SolvedChallenge>, ApiError> {
        if poll.bot_protection == BotProtection::Off || vouched_for(poll, req).await {
            if poll.bot_protection != BotProtection::Off {
                metrics::counter!("vote_proofs_total", "outcome" => "exempt").increment(1);
            }
            return Ok(None);
        }
        let refuse = |code: ErrorCode, outcome: &'static str, detail: &str| {
            self.refused(poll, outcome);
            Err(ApiError::new(code).with_detail(detail.to_owned()))
        };
        let Some(proof) = proof else {
            return refuse(
                ErrorCode::ChallengeRequired,
                "missing",
                "this poll needs a solved challenge from GET /v1/polls/{id}/challenge in `proof`",
            );
        };
        let verified = match altcha::verify(&self.key, proof, now.as_millis() / 1000) {
            Ok(v) => v,
            Err(altcha::Invalid::Expired) => {
                return refuse(
                    ErrorCode::ChallengeInvalid,
                    "expired",
                    "the challenge expired: solve a new one",
                );
            }
            Err(_) => {
                return refuse(
                    ErrorCode::ChallengeInvalid,
                    "invalid",
                    "the proof does not solve a challenge this server issued",
                );
            }
        };
        if verified.param("poll") != Some(poll.id.as_str()) {
            return refuse(
                ErrorCode::ChallengeInvalid,
                "other_poll",
                "the challenge was issued for another poll",
            );
        }
        Ok(Some(SolvedChallenge {
            challenge: verified.challenge,
            expires_at: Timestamp::from_millis(verified.expires * 1000),
        }))
    }

    /// Counts the outcome of a vote on a protected poll towards its difficulty.
    pub fn record(&self, poll: &Poll, signal: Signal) {
        if poll.bot_protection != BotProtection::Off {
            self.difficulty.record(&poll.id, signal, Instant::now());
        }
    }

    /// A solution a stored vote already used.
    pub fn reused(&self, poll: &Poll) -> ApiError {
        self.refused(poll, "reused");
        ApiError::new(ErrorCode::ChallengeInvalid)
            .with_detail("this solution was used already: solve a new challenge")
    }

    /// A proof refused for `outcome`: on `/metrics`, and towards the poll's difficulty.
    fn refused(&self, poll: &Poll, outcome: &'static str) {
        metrics::counter!("vote_proofs_total", "outcome" => outcome).increment(1);
        self.difficulty
            .record(&poll.id, Signal::Suspicious, Instant::now());
    }
}

/// Whether someone answerable vouches for the vote: an integrator-signed voter token
/// (`verified` polls take nothing else) or an API key of the poll's own workspace. A key of
/// another workspace vouches for nothing here.
async fn vouched_for(poll: &Poll, req: &HttpRequest) -> bool {
    if poll.dedupe == Dedupe::Verified {
        return true;
    }
    if !req
        .headers()
        .contains_key(actix_web::http::header::AUTHORIZATION)
    {
        return false;
    }
    match MaybeCaller::extract(req).await {
        Ok(MaybeCaller(Some(caller))) => caller.workspace_id == poll.workspace_id,
        _ => false,
    }
}
