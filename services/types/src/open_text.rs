//! Open-text polls: their settings, the entries a vote carries, and the terms the word cloud
//! counts (docs/open-text.md).

use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// Most characters one entry may have, whatever the poll's `max_length`.
pub const MAX_ENTRY_CHARS: u16 = 200;
/// `max_length` of a poll created without one.
pub const DEFAULT_MAX_LENGTH: u16 = 40;
/// Most entries one ballot may have, whatever the poll's `max_entries_per_voter`.
pub const MAX_ENTRIES_PER_VOTER: u8 = 10;
/// `max_entries_per_voter` of a poll created without one: a word cloud question asks for a
/// few words ("three words for this team"), and one makes a thin cloud.
pub const DEFAULT_ENTRIES_PER_VOTER: u8 = 3;
/// How many terms results carry, most frequent first.
pub const TOP_TERMS: usize = 100;

/// Who decides what an entry shows in the cloud.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Moderation {
    /// Entries show at once, except those the profanity filter holds for the owner.
    #[default]
    Filter,
    /// Every term waits for the owner's approval before it shows.
    Approve,
    /// Entries show at once.
    None,
}

impl Moderation {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Filter => "filter",
            Self::Approve => "approve",
            Self::None => "none",
        }
    }
}

/// The language an open-text poll's entries are normalised in: its stop words and stemmer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TextLanguage {
    #[default]
    En,
    De,
    Es,
    Fr,
    Ar,
}

impl TextLanguage {
    pub const ALL: [Self; 5] = [Self::En, Self::De, Self::Es, Self::Fr, Self::Ar];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::De => "de",
            Self::Es => "es",
            Self::Fr => "fr",
            Self::Ar => "ar",
        }
    }
}

/// The settings of an open-text poll, fixed at creation but `moderation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenText {
    pub max_length: u16,
    pub max_entries_per_voter: u8,
    pub moderation: Moderation,
    pub stemming: bool,
    pub language: TextLanguage,
}

impl Default for OpenText {
    fn default() -> Self {
        Self {
            max_length: DEFAULT_MAX_LENGTH,
            max_entries_per_voter: DEFAULT_ENTRIES_PER_VOTER,
            moderation: Moderation::default(),
            stemming: false,
            language: TextLanguage::default(),
        }
    }
}

/// One entry of an open-text ballot, as the vote log keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TextEntry {
    /// As the voter wrote it, normalised to NFKC with its ends trimmed and inner whitespace
    /// runs made one space: the spelling the cloud may show.
    pub text: String,
    /// What the cloud counts it as: case-folded, stop words left out, maybe stemmed. `null`
    /// when nothing is left (an entry of stop words only).
    pub term: Option<String>,
    /// It waited for the owner when it arrived: the poll asks for approval, or the profanity
    /// filter held it.
    #[serde(default)]
    pub held: bool,
}

/// What an owner decided about a term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TermState {
    /// In the cloud.
    Shown,
    /// Waiting for the owner (approve-before-show, or held by the profanity filter).
    Pending,
    /// Approved by the owner.
    Approved,
    /// Hidden by the owner: out of the cloud and the public results.
    Hidden,
}

impl TermState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Shown => "shown",
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Hidden => "hidden",
        }
    }

    /// The state an owner's decision put a term in, read back from where it is kept (the
    /// decision's [`TermState::as_str`]); `None` for no decision.
    pub fn decided(stored: Option<&str>) -> Option<Self> {
        match stored {
            Some("approved") => Some(Self::Approved),
            Some("hidden") => Some(Self::Hidden),
            _ => None,
        }
    }
}

/// One term of the cloud: the most frequent spelling of its entries, and how many there are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TermCount {
    pub text: String,
    pub count: u64,
}

/// A term an owner hid: the data of the `entry.hidden` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HiddenTerm {
    pub term: String,
    /// The spelling the cloud showed.
    pub text: String,
    /// Entries counted as the term when it was hidden.
    pub entries: u64,
    pub hidden_at: Timestamp,
}

/// One term as the owner sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TermView {
    /// What entries are counted as (case-folded, stop words out, maybe stemmed).
    pub term: String,
    /// The most frequent spelling of its entries.
    pub text: String,
    pub count: u64,
    pub state: TermState,
}

/// What an owner does to a term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TermDecision {
    /// Show it (approve a waiting term, or show a hidden one again).
    Approve,
    /// Take it out of the cloud and the public results.
    Hide,
}

impl TermDecision {
    /// The state the decision puts a term in, and is kept as.
    pub fn state(self) -> TermState {
        match self {
            Self::Approve => TermState::Approved,
            Self::Hide => TermState::Hidden,
        }
    }
}
