use serde::{Deserialize, Serialize};

use crate::open_text::{MAX_ENTRIES_PER_VOTER, MAX_ENTRY_CHARS};
use crate::{
    FieldError, Moderation, OpenText, OptionId, PollId, TextLanguage, Timestamp, WorkspaceId,
};

pub const MIN_OPTIONS: usize = 2;
pub const MAX_OPTIONS: usize = 50;
pub const MAX_LABEL_CHARS: usize = 200;
pub const MAX_QUESTION_CHARS: usize = 500;
/// Serialized size bound for `metadata`, so a poll row stays small.
pub const MAX_METADATA_BYTES: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PollKind {
    #[default]
    Single,
    Multiple,
    Ranked,
    Rating,
    /// Voters write short answers; results are the word cloud's terms.
    OpenText,
}

/// The scales a rating poll may have.
pub const RATING_SCALES: [u8; 2] = [5, 10];
/// The scale of a rating poll created without one.
pub const DEFAULT_RATING_SCALE: u8 = 5;

impl PollKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Single => "single",
            Self::Multiple => "multiple",
            Self::Ranked => "ranked",
            Self::Rating => "rating",
            Self::OpenText => "open_text",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Single,
            Self::Multiple,
            Self::Ranked,
            Self::Rating,
            Self::OpenText,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// Whether voters choose among options: every kind but `rating` (a score) and
    /// `open_text` (entries).
    pub fn has_options(self) -> bool {
        !matches!(self, Self::Rating | Self::OpenText)
    }

    /// The (min, max) choices a poll of this kind gets from the requested ones: a single
    /// choice is one, a rating chooses no option, the others default to one up to all.
    pub fn choice_bounds(self, min: Option<u32>, max: Option<u32>, options: u32) -> (u32, u32) {
        match self {
            Self::Single => (1, 1),
            Self::Rating | Self::OpenText => (0, 0),
            Self::Multiple | Self::Ranked => (min.unwrap_or(1), max.unwrap_or(options.max(1))),
        }
    }

    /// The scale a poll of this kind gets from the requested one: rating polls default to 5.
    pub fn scale(self, requested: Option<u8>) -> Option<u8> {
        match self {
            Self::Rating => requested.or(Some(DEFAULT_RATING_SCALE)),
            _ => requested,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PollStatus {
    Draft,
    Scheduled,
    Open,
    Closed,
}

impl PollStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Scheduled => "scheduled",
            Self::Open => "open",
            Self::Closed => "closed",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResultsVisibility {
    #[default]
    Always,
    AfterVote,
    AfterClose,
    OwnerOnly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Dedupe {
    None,
    #[default]
    Browser,
    Ip,
    Verified,
}

/// Whether a voter may replace their ballot. Fixed at creation: the poll's record of who voted
/// takes another shape when voters may change their minds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VoteChange {
    #[default]
    Never,
    /// A voter the poll's dedupe mode recognises may replace their ballot while it is open.
    WhileOpen,
}

impl VoteChange {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Never => "never",
            Self::WhileOpen => "while_open",
        }
    }
}

/// Whether a browser vote must carry a solved proof-of-work challenge (docs/bot-protection.md).
/// Off by default: protection costs every visitor a moment of CPU and is worth it only on
/// polls that attract scripted voting; an owner turns it on per poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BotProtection {
    #[default]
    Off,
    ProofOfWork,
}

impl BotProtection {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::ProofOfWork => "proof_of_work",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Off, Self::ProofOfWork]
            .into_iter()
            .find(|b| b.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PollOption {
    pub id: OptionId,
    pub label: String,
    pub position: u32,
}

/// A poll as stored. `status` is the stored lifecycle state; what callers see is
/// [`Poll::status_at`], which also applies `opens_at` and `closes_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Poll {
    pub id: PollId,
    pub workspace_id: WorkspaceId,
    pub question: String,
    pub options: Vec<PollOption>,
    pub kind: PollKind,
    pub min_choices: u32,
    pub max_choices: u32,
    pub scale: Option<u8>,
    pub status: PollStatus,
    pub opens_at: Option<Timestamp>,
    pub closes_at: Option<Timestamp>,
    pub close_after_votes: Option<u64>,
    pub results_visibility: ResultsVisibility,
    pub dedupe: Dedupe,
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// The votes-stream shard the poll's votes go to, fixed at creation so that changing the
    /// shard count later never moves a live poll (and its de-duplication set).
    pub shard: u32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Set by a reset: votes with smaller ids were cleared and are no longer the poll's.
    /// Grows with every reset: only votes of the current epoch are the poll's.
    #[serde(default)]
    pub epoch: u32,
    /// The origins allowed to frame the poll's page (CSP `frame-ancestors`); `None`: any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embed_origins: Option<Vec<String>>,
    #[serde(default)]
    pub bot_protection: BotProtection,
    #[serde(default)]
    pub vote_change: VoteChange,
    /// Open-text polls only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_text: Option<OpenText>,
    /// Open-text polls: the term the owner hid last, which the `entry.hidden` event the
    /// hiding put in the outbox carries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_hidden: Option<crate::open_text::HiddenTerm>,
}

impl Poll {
    /// The status in force at `now`: time-based transitions apply without anyone writing them.
    pub fn status_at(&self, now: Timestamp) -> PollStatus {
        match self.status {
            PollStatus::Draft | PollStatus::Closed => self.status,
            PollStatus::Scheduled | PollStatus::Open => {
                if self.closes_at.is_some_and(|t| t <= now) {
                    PollStatus::Closed
                } else if self.opens_at.is_some_and(|t| t > now) {
                    PollStatus::Scheduled
                } else {
                    PollStatus::Open
                }
            }
        }
    }

    /// A fingerprint of what a vote is checked against (kind, choice bounds, scale, option
    /// ids; not labels). vote-ingest passes the shape it checked a vote against to the ingest
    /// script, which refuses the vote if an edit changed it meanwhile. FNV-1a, stable.
    pub fn shape(&self) -> String {
        let mut ids: Vec<&str> = self.options.iter().map(|o| o.id.as_str()).collect();
        ids.sort_unstable();
        let text = format!(
            "{:?}|{}|{}|{:?}|{}{}",
            self.kind,
            self.min_choices,
            self.max_choices,
            self.scale,
            ids.join(","),
            // Open text adds its rules; other polls' shapes stay as they were.
            self.open_text
                .map(|t| format!("|{t:?}"))
                .unwrap_or_default()
        );
        format!("{:016x}", crate::hash::fnv1a64(text.as_bytes()))
    }

    /// The scores a rating poll takes run from 1 to this.
    pub fn rating_scale(&self) -> u8 {
        self.scale.unwrap_or(DEFAULT_RATING_SCALE)
    }

    pub fn option(&self, id: &OptionId) -> Option<&PollOption> {
        self.options.iter().find(|o| &o.id == id)
    }
}

/// Most origins one poll may list in `embed_origins`.
const MAX_EMBED_ORIGINS: usize = 20;

/// `http(s)://host[:port]` and nothing else: what CSP `frame-ancestors` takes as an origin,
/// with no character that could end the directive.
fn is_origin(s: &str) -> bool {
    let Some(rest) = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
    else {
        return false;
    };
    let (host, port) = rest.split_once(':').unwrap_or((rest, "80"));
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        && !host.starts_with(['.', '-']);
    host_ok && !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit())
}

/// The body of `POST /v1/polls`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPoll {
    /// 1 to 500 characters.
    #[schema(min_length = 1, max_length = 500)]
    pub question: String,
    /// 2 to 50, for every kind but `rating`, which has none.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub options: Vec<NewOption>,
    #[serde(default)]
    pub kind: PollKind,
    /// `multiple` and `ranked` only; default 1.
    pub min_choices: Option<u32>,
    /// `multiple` and `ranked` only; default: the number of options.
    pub max_choices: Option<u32>,
    /// `rating` only: 5 (the default) or 10.
    pub scale: Option<u8>,
    /// In the future: the poll is `scheduled` and opens by itself.
    pub opens_at: Option<Timestamp>,
    /// The poll closes by itself then.
    pub closes_at: Option<Timestamp>,
    /// The poll closes by itself on reaching this many votes.
    #[schema(minimum = 1)]
    pub close_after_votes: Option<u64>,
    #[serde(default)]
    pub results_visibility: ResultsVisibility,
    #[serde(default)]
    pub dedupe: Dedupe,
    /// Free-form JSON the integrator keeps with the poll (at most 4 KiB serialised).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// Create as a draft (not votable, not public) instead of open or scheduled.
    #[serde(default)]
    pub draft: bool,
    /// The origins allowed to embed the poll (`https://example.com`); absent or `null`: any.
    #[schema(max_items = 20)]
    pub embed_origins: Option<Vec<String>>,
    /// `proof_of_work`: browser votes carry a solved challenge (`GET
    /// /v1/polls/{id}/challenge`); votes with an API key or an integrator-signed voter token
    /// are exempt. Default `off`.
    #[serde(default)]
    pub bot_protection: BotProtection,
    /// `while_open`: a voter the dedupe mode recognises may replace their ballot while the
    /// poll is open (answered `200` with `replaced`). Needs a dedupe mode other than `none`.
    /// Fixed at creation. Default `never`.
    #[serde(default)]
    pub vote_change: VoteChange,
    /// `open_text` only: most characters per entry, 1 to 200; default 40.
    #[schema(minimum = 1, maximum = 200)]
    pub max_length: Option<u16>,
    /// `open_text` only: most entries per ballot, 1 to 10; default 3.
    #[schema(minimum = 1, maximum = 10)]
    pub max_entries_per_voter: Option<u8>,
    /// `open_text` only: `filter` (the default: the profanity filter holds entries for the
    /// owner), `approve` (every term waits for the owner) or `none`.
    pub moderation: Option<Moderation>,
    /// `open_text` only: count words by their stem ("running" as "run"). Default `false`.
    pub stemming: Option<bool>,
    /// `open_text` only: the entries' language, for stop words and stemming. Default `en`.
    pub language: Option<TextLanguage>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOption {
    /// 1 to 200 characters, unique within the poll.
    #[schema(min_length = 1, max_length = 200)]
    pub label: String,
}

impl NewPoll {
    /// Checks every rule and builds the poll, or returns every problem found at once.
    pub fn into_poll(
        self,
        workspace_id: WorkspaceId,
        shard: u32,
        now: Timestamp,
    ) -> Result<Poll, Vec<FieldError>> {
        let n = self.options.len() as u32;
        let options = self
            .options
            .into_iter()
            .enumerate()
            .map(|(i, o)| PollOption {
                id: OptionId::generate(),
                label: o.label.trim().to_owned(),
                position: i as u32,
            })
            .collect();
        let mut errors = Vec::new();
        let (min_choices, max_choices) =
            self.kind
                .choice_bounds(self.min_choices, self.max_choices, n);
        if self.min_choices.is_some_and(|m| m != min_choices)
            || self.max_choices.is_some_and(|m| m != max_choices)
        {
            errors.push(FieldError::new(
                "max_choices",
                match self.kind {
                    PollKind::Rating => "a rating poll takes a rating, not choices",
                    _ => "a single-choice poll takes exactly one choice",
                },
            ));
        }
        if self.closes_at.is_some_and(|c| c <= now) {
            errors.push(FieldError::new("closes_at", "must be in the future"));
        }
        let open_text = if self.kind == PollKind::OpenText {
            let d = OpenText::default();
            Some(OpenText {
                max_length: self.max_length.unwrap_or(d.max_length),
                max_entries_per_voter: self
                    .max_entries_per_voter
                    .unwrap_or(d.max_entries_per_voter),
                moderation: self.moderation.unwrap_or(d.moderation),
                stemming: self.stemming.unwrap_or(d.stemming),
                language: self.language.unwrap_or(d.language),
            })
        } else {
            let given = [
                ("max_length", self.max_length.is_some()),
                (
                    "max_entries_per_voter",
                    self.max_entries_per_voter.is_some(),
                ),
                ("moderation", self.moderation.is_some()),
                ("stemming", self.stemming.is_some()),
                ("language", self.language.is_some()),
            ];
            for (field, _) in given.iter().filter(|(_, given)| *given) {
                errors.push(FieldError::new(*field, "only open_text polls take it"));
            }
            None
        };
        let status = if self.draft {
            PollStatus::Draft
        } else if self.opens_at.is_some_and(|t| t > now) {
            PollStatus::Scheduled
        } else {
            PollStatus::Open
        };
        let poll = Poll {
            id: PollId::generate(),
            workspace_id,
            question: self.question.trim().to_owned(),
            options,
            kind: self.kind,
            min_choices,
            max_choices,
            scale: self.kind.scale(self.scale),
            status,
            opens_at: self.opens_at,
            closes_at: self.closes_at,
            close_after_votes: self.close_after_votes,
            results_visibility: self.results_visibility,
            dedupe: self.dedupe,
            metadata: self.metadata,
            shard,
            created_at: now,
            updated_at: now,
            epoch: 0,
            embed_origins: self.embed_origins,
            bot_protection: self.bot_protection,
            vote_change: self.vote_change,
            open_text,
            last_hidden: None,
        };
        let mut all = poll.validate();
        all.extend(errors);
        if all.is_empty() { Ok(poll) } else { Err(all) }
    }
}

impl Poll {
    /// The rules every poll keeps, at creation and after every edit; every problem at once.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if let Some(origins) = &self.embed_origins {
            if origins.len() > MAX_EMBED_ORIGINS {
                errors.push(FieldError::new(
                    "embed_origins",
                    format!("at most {MAX_EMBED_ORIGINS} origins"),
                ));
            }
            for (i, origin) in origins.iter().enumerate() {
                if !is_origin(origin) {
                    errors.push(FieldError::new(
                        format!("embed_origins[{i}]"),
                        "must be an origin: a scheme, a host and maybe a port, as https://example.com",
                    ));
                }
            }
        }
        check_text(&mut errors, "question", &self.question, MAX_QUESTION_CHARS);
        let n = self.options.len();
        if self.kind == PollKind::Rating {
            if n > 0 {
                errors.push(FieldError::new(
                    "options",
                    "a rating poll has no options: voters send a rating from 1 to its scale",
                ));
            }
        } else if self.kind == PollKind::OpenText {
            if n > 0 {
                errors.push(FieldError::new(
                    "options",
                    "an open_text poll has no options: voters send entries",
                ));
            }
        } else if !(MIN_OPTIONS..=MAX_OPTIONS).contains(&n) {
            errors.push(FieldError::new(
                "options",
                format!("must have between {MIN_OPTIONS} and {MAX_OPTIONS} options"),
            ));
        }
        for (i, o) in self.options.iter().enumerate() {
            let field = format!("options[{i}].label");
            check_text(&mut errors, &field, &o.label, MAX_LABEL_CHARS);
            if self.options[..i].iter().any(|p| p.label == o.label) {
                errors.push(FieldError::new(field, "duplicates another option's label"));
            }
        }
        let n = n as u32;
        match self.kind {
            PollKind::Single | PollKind::Rating | PollKind::OpenText => {}
            PollKind::Multiple | PollKind::Ranked => {
                if self.min_choices < 1 {
                    errors.push(FieldError::new("min_choices", "must be at least 1"));
                }
                if self.max_choices < self.min_choices || self.max_choices > n {
                    errors.push(FieldError::new(
                        "max_choices",
                        "must be between min_choices and the number of options",
                    ));
                }
            }
        }
        match (self.kind, self.scale) {
            (PollKind::Rating, Some(s)) if RATING_SCALES.contains(&s) => {}
            (PollKind::Rating, _) => {
                errors.push(FieldError::new("scale", "must be 5 or 10"));
            }
            (_, Some(_)) => {
                errors.push(FieldError::new("scale", "only rating polls take a scale"));
            }
            (_, None) => {}
        }
        if let (Some(o), Some(c)) = (self.opens_at, self.closes_at)
            && c <= o
        {
            errors.push(FieldError::new("closes_at", "must be after opens_at"));
        }
        if self.results_visibility == ResultsVisibility::AfterVote && self.dedupe == Dedupe::None {
            errors.push(FieldError::new(
                "results_visibility",
                "after_vote needs a dedupe mode that knows who voted (browser, ip or verified)",
            ));
        }
        if self.vote_change == VoteChange::WhileOpen && self.dedupe == Dedupe::None {
            errors.push(FieldError::new(
                "vote_change",
                "while_open needs a dedupe mode that knows who voted (browser, ip or verified)",
            ));
        }
        if let Some(t) = &self.open_text {
            if !(1..=MAX_ENTRY_CHARS).contains(&t.max_length) {
                errors.push(FieldError::new(
                    "max_length",
                    format!("must be between 1 and {MAX_ENTRY_CHARS}"),
                ));
            }
            if !(1..=MAX_ENTRIES_PER_VOTER).contains(&t.max_entries_per_voter) {
                errors.push(FieldError::new(
                    "max_entries_per_voter",
                    format!("must be between 1 and {MAX_ENTRIES_PER_VOTER}"),
                ));
            }
        }
        if self.close_after_votes == Some(0) {
            errors.push(FieldError::new("close_after_votes", "must be at least 1"));
        }
        let metadata_len = serde_json::to_string(&self.metadata).map_or(usize::MAX, |s| s.len());
        if metadata_len > MAX_METADATA_BYTES {
            errors.push(FieldError::new(
                "metadata",
                format!("must serialise to at most {MAX_METADATA_BYTES} bytes"),
            ));
        }
        errors
    }
}

fn check_text(errors: &mut Vec<FieldError>, field: &str, value: &str, max_chars: usize) {
    let chars = value.chars().count();
    if chars == 0 {
        errors.push(FieldError::new(field, "must not be empty"));
    } else if chars > max_chars {
        errors.push(FieldError::new(
            field,
            format!("must be at most {max_chars} characters"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_poll(json: serde_json::Value) -> Result<Poll, Vec<FieldError>> {
        let req: NewPoll = serde_json::from_value(json).unwrap();
        req.into_poll(
            WorkspaceId::generate(),
            0,
            Timestamp::from_millis(1_000_000),
        )
    }

    #[test]
    fn a_minimal_poll_is_open_single_choice_with_browser_dedupe() {
        let poll = new_poll(serde_json::json!({
            "question": " Which day? ",
            "options": [{"label": "Mon"}, {"label": "Tue"}]
        }))
        .unwrap();
        assert_eq!(poll.question, "Which day?");
        assert_eq!(poll.kind, PollKind::Single);
        assert_eq!((poll.min_choices, poll.max_choices), (1, 1));
        assert_eq!(poll.dedupe, Dedupe::Browser);
        assert_eq!(poll.status, PollStatus::Open);
        assert_ne!(poll.options[0].id, poll.options[1].id);
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let errors = new_poll(serde_json::json!({
            "question": "",
            "options": [{"label": "x"}, {"label": "x"}, {"label": "y".repeat(201)}],
            "kind": "multiple", "min_choices": 2, "max_choices": 9
        }))
        .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "question",
                "options[1].label",
                "options[2].label",
                "max_choices"
            ]
        );
    }

    #[test]
    fn each_kind_gets_its_choices_and_scale() {
        let options = serde_json::json!([{"label": "a"}, {"label": "b"}, {"label": "c"}]);
        let ranked = new_poll(serde_json::json!({
            "question": "q", "options": options, "kind": "ranked", "max_choices": 2
        }))
        .unwrap();
        assert_eq!(
            (ranked.min_choices, ranked.max_choices, ranked.scale),
            (1, 2, None)
        );
        let rating =
            new_poll(serde_json::json!({"question": "How was it?", "kind": "rating"})).unwrap();
        assert_eq!((rating.min_choices, rating.max_choices), (0, 0));
        assert_eq!((rating.options.len(), rating.scale), (0, Some(5)));
        let fields = |json| {
            new_poll(json)
                .unwrap_err()
                .into_iter()
                .map(|e| e.field)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            fields(serde_json::json!({"question": "q", "kind": "rating", "scale": 7})),
            ["scale"]
        );
        assert_eq!(
            fields(serde_json::json!({"question": "q", "kind": "rating", "options": options})),
            ["options"]
        );
        assert_eq!(
            fields(serde_json::json!({"question": "q", "options": options, "scale": 5})),
            ["scale"]
        );
        assert_eq!(
            fields(
                serde_json::json!({"question": "q", "kind": "ranked", "options": options, "min_choices": 4})
            ),
            ["max_choices"]
        );
    }

    #[test]
    fn unknown_fields_are_refused() {
        let res: Result<NewPoll, _> = serde_json::from_value(serde_json::json!({
            "question": "q", "options": [], "colour": "red"
        }));
        assert!(res.is_err());
    }

    #[test]
    fn status_follows_the_clock() {
        let mut poll = new_poll(serde_json::json!({
            "question": "q", "options": [{"label": "a"}, {"label": "b"}],
            "opens_at": "1970-01-01T00:20:00Z", "closes_at": "1970-01-01T00:30:00Z"
        }))
        .unwrap();
        assert_eq!(poll.status, PollStatus::Scheduled);
        let at = |min: i64| Timestamp::from_millis(min * 60_000);
        assert_eq!(poll.status_at(at(19)), PollStatus::Scheduled);
        assert_eq!(poll.status_at(at(20)), PollStatus::Open);
        assert_eq!(poll.status_at(at(30)), PollStatus::Closed);
        poll.status = PollStatus::Closed;
        assert_eq!(poll.status_at(at(25)), PollStatus::Closed);
    }
}
