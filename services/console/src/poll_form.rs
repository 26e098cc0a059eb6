//! The poll form: what a person types, turned into the API's `NewPoll` (create) or
//! `PatchPoll` (edit) and checked by the same rules; and the API's field errors put back next
//! to the fields they are about.

use pollcast_api::routes::lifecycle::{PatchOption, PatchPoll};
use pollcast_types::poll::NewOption;
use pollcast_types::{
    BotProtection, Dedupe, FieldError, Moderation, NewPoll, Poll, PollKind, ResultsVisibility,
    TextLanguage, Timestamp, VoteChange,
};

use crate::form::Form;

/// Blank option rows a new form offers, and how many "more options" adds.
const BLANK_ROWS: usize = 3;

pub struct OptionRow {
    pub id: String,
    pub label: String,
    pub error: Option<String>,
}

#[derive(Default)]
pub struct PollForm {
    pub question: String,
    pub kind: String,
    pub options: Vec<OptionRow>,
    pub min_choices: String,
    pub max_choices: String,
    pub scale: String,
    /// `datetime-local` values: the person's local time (see `tz_offset`).
    pub opens_at: String,
    pub closes_at: String,
    /// Minutes to add to a local time to get UTC (the browser's `getTimezoneOffset()`, set by
    /// the console's script; 0 without it, and the form then says the times are UTC).
    pub tz_offset: i64,
    pub close_after_votes: String,
    pub results_visibility: String,
    pub dedupe: String,
    pub bot_protection: String,
    /// Fixed at creation: shown on the new-poll form only.
    pub vote_change: String,
    pub embed_origins: String,
    pub draft: bool,
    /// Open-text polls; all but `moderation` fixed at creation.
    pub max_length: String,
    pub max_entries_per_voter: String,
    pub moderation: String,
    pub stemming: bool,
    pub language: String,
    /// Errors not shown next to one option row: `(field, message)`.
    pub errors: Vec<(String, String)>,
}

impl PollForm {
    pub fn blank() -> Self {
        PollForm {
            kind: "single".into(),
            scale: "5".into(),
            results_visibility: "always".into(),
            dedupe: "browser".into(),
            bot_protection: "off".into(),
            vote_change: "never".into(),
            max_length: pollcast_types::open_text::DEFAULT_MAX_LENGTH.to_string(),
            max_entries_per_voter: pollcast_types::open_text::DEFAULT_ENTRIES_PER_VOTER.to_string(),
            moderation: "filter".into(),
            language: "en".into(),
            options: (0..BLANK_ROWS).map(|_| blank_row()).collect(),
            ..Default::default()
        }
    }

    pub fn from_poll(poll: &Poll) -> Self {
        let mut options: Vec<OptionRow> = poll
            .options
            .iter()
            .map(|o| OptionRow {
                id: o.id.to_string(),
                label: o.label.clone(),
                error: None,
            })
            .collect();
        options.push(blank_row());
        let open_text = poll.open_text.unwrap_or_default();
        PollForm {
            question: poll.question.clone(),
            kind: serde_name(&poll.kind),
            options,
            min_choices: poll.min_choices.to_string(),
            max_choices: poll.max_choices.to_string(),
            scale: poll
                .scale
                .map(|n| n.to_string())
                .unwrap_or_else(|| "5".into()),
            opens_at: poll.opens_at.map(local).unwrap_or_default(),
            closes_at: poll.closes_at.map(local).unwrap_or_default(),
            tz_offset: 0,
            close_after_votes: poll
                .close_after_votes
                .map(|n| n.to_string())
                .unwrap_or_default(),
            results_visibility: serde_name(&poll.results_visibility),
            dedupe: serde_name(&poll.dedupe),
            bot_protection: serde_name(&poll.bot_protection),
            vote_change: serde_name(&poll.vote_change),
            embed_origins: poll
                .embed_origins
                .as_ref()
                .map(|o| o.join("\n"))
                .unwrap_or_default(),
            draft: false,
            errors: Vec::new(),
            max_length: open_text.max_length.to_string(),
            max_entries_per_voter: open_text.max_entries_per_voter.to_string(),
            moderation: serde_name(&open_text.moderation),
            stemming: open_text.stemming,
            language: serde_name(&open_text.language),
        }
    }

    /// The form as submitted; with `more`, three more blank option rows.
    pub fn from_form(form: &Form) -> Self {
        let labels = form.all("option_label");
        let ids = form.all("option_id");
        let mut options: Vec<OptionRow> = labels
            .into_iter()
            .enumerate()
            .map(|(i, label)| OptionRow {
                id: ids.get(i).cloned().unwrap_or_default(),
                label,
                error: None,
            })
            .filter(|row| !row.label.is_empty())
            .collect();
        let blanks = if form.checked("more") { BLANK_ROWS } else { 1 };
        options.extend((0..blanks).map(|_| blank_row()));
        PollForm {
            question: form.get("question").to_owned(),
            kind: form.get("kind").to_owned(),
            options,
            min_choices: form.get("min_choices").to_owned(),
            max_choices: form.get("max_choices").to_owned(),
            scale: form.get("scale").to_owned(),
            opens_at: form.get("opens_at").to_owned(),
            closes_at: form.get("closes_at").to_owned(),
            tz_offset: form
                .get("tz_offset")
                .parse::<i64>()
                .ok()
                .filter(|m| m.abs() <= 16 * 60)
                .unwrap_or(0),
            close_after_votes: form.get("close_after_votes").to_owned(),
            results_visibility: form.get("results_visibility").to_owned(),
            dedupe: form.get("dedupe").to_owned(),
            bot_protection: form.get("bot_protection").to_owned(),
            vote_change: form.get("vote_change").to_owned(),
            embed_origins: form.get("embed_origins").to_owned(),
            draft: form.checked("draft"),
            errors: Vec::new(),
            max_length: form.get("max_length").to_owned(),
            max_entries_per_voter: form.get("max_entries_per_voter").to_owned(),
            moderation: form.get("moderation").to_owned(),
            stemming: form.checked("stemming"),
            language: form.get("language").to_owned(),
        }
    }

    fn labels(&self) -> Vec<&OptionRow> {
        self.options
            .iter()
            .filter(|o| !o.label.is_empty())
            .collect()
    }

    pub fn to_new_poll(&self) -> Result<NewPoll, Vec<FieldError>> {
        let mut errors = Vec::new();
        let kind = self.kind(&mut errors);
        let open_text = kind == PollKind::OpenText;
        let new = NewPoll {
            question: self.question.clone(),
            options: if !kind.has_options() {
                Vec::new()
            } else {
                self.labels()
                    .into_iter()
                    .map(|o| NewOption {
                        label: o.label.clone(),
                    })
                    .collect()
            },
            kind,
            min_choices: number(&self.min_choices, "min_choices", &mut errors),
            max_choices: number(&self.max_choices, "max_choices", &mut errors),
            scale: (kind == PollKind::Rating)
                .then(|| number(&self.scale, "scale", &mut errors))
                .flatten(),
            opens_at: self.time(&self.opens_at, "opens_at", &mut errors),
            closes_at: self.time(&self.closes_at, "closes_at", &mut errors),
            close_after_votes: number(&self.close_after_votes, "close_after_votes", &mut errors),
            results_visibility: choice(&self.results_visibility, "results_visibility", &mut errors)
                .unwrap_or_default(),
            dedupe: choice::<Dedupe>(&self.dedupe, "dedupe", &mut errors).unwrap_or_default(),
            metadata: Default::default(),
            draft: self.draft,
            embed_origins: self.origins(),
            bot_protection: choice::<BotProtection>(
                &self.bot_protection,
                "bot_protection",
                &mut errors,
            )
            .unwrap_or_default(),
            vote_change: choice::<VoteChange>(&self.vote_change, "vote_change", &mut errors)
                .unwrap_or_default(),
            max_length: open_text
                .then(|| number(&self.max_length, "max_length", &mut errors))
                .flatten(),
            max_entries_per_voter: open_text
                .then(|| {
                    number(
                        &self.max_entries_per_voter,
                        "max_entries_per_voter",
                        &mut errors,
                    )
                })
                .flatten(),
            moderation: open_text
                .then(|| choice::<Moderation>(&self.moderation, "moderation", &mut errors))
                .flatten(),
            stemming: open_text.then_some(self.stemming),
            language: open_text
                .then(|| choice::<TextLanguage>(&self.language, "language", &mut errors))
                .flatten(),
        };
        if errors.is_empty() {
            Ok(new)
        } else {
            Err(errors)
        }
    }

    pub fn to_patch(&self) -> Result<PatchPoll, Vec<FieldError>> {
        let mut errors = Vec::new();
        let kind = self.kind(&mut errors);
        let patch = PatchPoll {
            question: Some(self.question.clone()),
            options: kind.has_options().then(|| {
                self.labels()
                    .into_iter()
                    .map(|o| PatchOption {
                        id: Some(o.id.clone()).filter(|id| !id.is_empty()),
                        label: o.label.clone(),
                    })
                    .collect()
            }),
            closes_at: Some(self.time(&self.closes_at, "closes_at", &mut errors)),
            results_visibility: choice::<ResultsVisibility>(
                &self.results_visibility,
                "results_visibility",
                &mut errors,
            ),
            metadata: None,
            kind: Some(kind),
            min_choices: number(&self.min_choices, "min_choices", &mut errors),
            max_choices: number(&self.max_choices, "max_choices", &mut errors),
            scale: (kind == PollKind::Rating)
                .then(|| number(&self.scale, "scale", &mut errors))
                .flatten(),
            embed_origins: Some(self.origins()),
            bot_protection: choice(&self.bot_protection, "bot_protection", &mut errors),
            moderation: (kind == PollKind::OpenText)
                .then(|| choice::<Moderation>(&self.moderation, "moderation", &mut errors))
                .flatten(),
        };
        if errors.is_empty() {
            Ok(patch)
        } else {
            Err(errors)
        }
    }

    fn kind(&self, errors: &mut Vec<FieldError>) -> PollKind {
        choice(&self.kind, "kind", errors).unwrap_or_default()
    }

    fn origins(&self) -> Option<Vec<String>> {
        let origins: Vec<String> = self
            .embed_origins
            .split(['\n', ',', ' '])
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(str::to_owned)
            .collect();
        (!origins.is_empty()).then_some(origins)
    }

    /// A `datetime-local` value in the person's zone, as a moment.
    fn time(&self, value: &str, field: &str, errors: &mut Vec<FieldError>) -> Option<Timestamp> {
        if value.is_empty() {
            return None;
        }
        let with_seconds = if value.len() == 16 {
            format!("{value}:00Z")
        } else {
            format!("{value}Z")
        };
        match Timestamp::parse(&with_seconds) {
            Some(t) => Some(Timestamp::from_millis(
                t.as_millis() + self.tz_offset * 60_000,
            )),
            None => {
                errors.push(FieldError::new(field, "is not a date and time"));
                None
            }
        }
    }

    /// Puts the API's errors next to their fields: `options[i].label` on the i-th option
    /// row, the rest in the list above the form.
    pub fn show_errors(&mut self, errors: Vec<FieldError>) {
        let filled: Vec<usize> = self
            .options
            .iter()
            .enumerate()
            .filter(|(_, o)| !o.label.is_empty())
            .map(|(i, _)| i)
            .collect();
        for e in errors {
            let row = e
                .field
                .strip_prefix("options[")
                .and_then(|rest| rest.split(']').next())
                .and_then(|n| n.parse::<usize>().ok())
                .and_then(|n| filled.get(n).copied());
            match row {
                Some(i) => self.options[i].error = Some(e.message.clone()),
                None => self.errors.push((e.field, e.message)),
            }
        }
    }

    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| f == field || f.starts_with(&format!("{field}[")))
            .map(|(_, m)| m.as_str())
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty() || self.options.iter().any(|o| o.error.is_some())
    }
}

fn blank_row() -> OptionRow {
    OptionRow {
        id: String::new(),
        label: String::new(),
        error: None,
    }
}

/// A `datetime-local` value in UTC (the console's script shows it in the person's zone).
fn local(t: Timestamp) -> String {
    t.to_string().chars().take(16).collect()
}

fn serde_name<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn choice<T: serde::de::DeserializeOwned>(
    raw: &str,
    field: &str,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    if raw.is_empty() {
        return None;
    }
    match serde_json::from_value(serde_json::Value::String(raw.to_owned())) {
        Ok(v) => Some(v),
        Err(_) => {
            errors.push(FieldError::new(field, "is not one of the choices"));
            None
        }
    }
}

fn number<T: std::str::FromStr>(raw: &str, field: &str, errors: &mut Vec<FieldError>) -> Option<T> {
    if raw.is_empty() {
        return None;
    }
    match raw.parse() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.push(FieldError::new(field, "must be a whole number"));
            None
        }
    }
}
