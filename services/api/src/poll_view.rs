use pollcast_types::{
    BotProtection, Dedupe, Moderation, Poll, PollKind, PollOption, PollStatus, ResultsVisibility,
    TextLanguage, Timestamp, VoteChange,
};
use serde::Serialize;

/// A poll as the API shows it. The owner sees everything; the public view leaves out
/// `workspace_id` and `metadata`. Internal fields (the shard) are never shown.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Poll)]
pub struct PollView<'a> {
    id: &'a str,
    /// Owner view only.
    #[serde(skip_serializing_if = "Option::is_none")]
    workspace_id: Option<&'a str>,
    question: &'a str,
    options: &'a [PollOption],
    kind: PollKind,
    min_choices: u32,
    max_choices: u32,
    scale: Option<u8>,
    status: PollStatus,
    opens_at: Option<Timestamp>,
    closes_at: Option<Timestamp>,
    close_after_votes: Option<u64>,
    results_visibility: ResultsVisibility,
    dedupe: Dedupe,
    bot_protection: BotProtection,
    vote_change: VoteChange,
    /// `open_text` only: most characters per entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    max_length: Option<u16>,
    /// `open_text` only: most entries per ballot.
    #[serde(skip_serializing_if = "Option::is_none")]
    max_entries_per_voter: Option<u8>,
    /// `open_text` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    moderation: Option<Moderation>,
    /// `open_text` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    stemming: Option<bool>,
    /// `open_text` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<TextLanguage>,
    /// Owner view only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    metadata: Option<&'a serde_json::Map<String, serde_json::Value>>,
    /// Owner view only: the origins allowed to embed the poll (`null`: any).
    #[serde(skip_serializing_if = "Option::is_none")]
    embed_origins: Option<Option<&'a [String]>>,
    created_at: Timestamp,
    updated_at: Timestamp,
    embed: Embed,
}

/// Ways to put the poll on a page.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Embed {
    script: String,
    page_url: String,
    iframe_url: String,
}

impl<'a> PollView<'a> {
    pub fn new(poll: &'a Poll, owner: bool, base: &str, now: Timestamp) -> Self {
        let page_url = format!("{base}/p/{}", poll.id);
        Self {
            id: poll.id.as_str(),
            workspace_id: owner.then(|| poll.workspace_id.as_str()),
            question: &poll.question,
            options: &poll.options,
            kind: poll.kind,
            min_choices: poll.min_choices,
            max_choices: poll.max_choices,
            scale: poll.scale,
            status: poll.status_at(now),
            opens_at: poll.opens_at,
            closes_at: poll.closes_at,
            close_after_votes: poll.close_after_votes,
            results_visibility: poll.results_visibility,
            dedupe: poll.dedupe,
            bot_protection: poll.bot_protection,
            vote_change: poll.vote_change,
            max_length: poll.open_text.map(|t| t.max_length),
            max_entries_per_voter: poll.open_text.map(|t| t.max_entries_per_voter),
            moderation: poll.open_text.map(|t| t.moderation),
            stemming: poll.open_text.map(|t| t.stemming),
            language: poll.open_text.map(|t| t.language),
            metadata: owner.then_some(&poll.metadata),
            embed_origins: owner.then_some(poll.embed_origins.as_deref()),
            created_at: poll.created_at,
            updated_at: poll.updated_at,
            embed: Embed {
                script: format!(
                    "<script src=\"{base}/embed/v1.js\" data-poll=\"{}\" async></script>",
                    poll.id
                ),
                iframe_url: format!("{base}/embed/{}", poll.id),
                page_url,
            },
        }
    }
}
