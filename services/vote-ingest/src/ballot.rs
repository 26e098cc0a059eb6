//! Whether a vote's choices fit its poll.

use pollcast_http::ApiError;
use pollcast_text::EntryError;
use pollcast_types::{ErrorCode, FieldError, OptionId, Poll, PollKind, TextEntry};

/// What a vote chose, checked against its poll.
#[derive(Debug, PartialEq, Eq)]
pub struct Ballot {
    /// In the voter's order, which for a ranked poll is the ranking.
    pub option_ids: Vec<OptionId>,
    pub rating: Option<u8>,
    /// Open-text polls: the entries, normalised.
    pub entries: Vec<TextEntry>,
}

/// Checks a vote's choices against the poll: option ids for the kinds with options, a score
/// from 1 to the poll's scale for `rating`, entries for `open_text`.
pub fn check(
    poll: &Poll,
    option_ids: &[String],
    rating: Option<i64>,
    entries: Option<&[String]>,
) -> Result<Ballot, ApiError> {
    if let Some(settings) = &poll.open_text {
        if !option_ids.is_empty() || rating.is_some() {
            return Err(ApiError::validation(vec![FieldError::new(
                "entries",
                "an open_text poll takes entries, not options or a rating",
            )]));
        }
        return check_entries(settings, entries.unwrap_or_default()).map(|entries| Ballot {
            option_ids: Vec::new(),
            rating: None,
            entries,
        });
    }
    if entries.is_some() {
        return Err(ApiError::validation(vec![FieldError::new(
            "entries",
            "only open_text polls take entries",
        )]));
    }
    if poll.kind == PollKind::Rating {
        let scale = poll.rating_scale();
        let score = rating
            .filter(|r| (1..=i64::from(scale)).contains(r))
            .and_then(|r| u8::try_from(r).ok());
        return match score {
            Some(_) if !option_ids.is_empty() => Err(ApiError::validation(vec![FieldError::new(
                "option_ids",
                "a rating poll takes a rating, not options",
            )])),
            Some(score) => Ok(Ballot {
                option_ids: Vec::new(),
                rating: Some(score),
                entries: Vec::new(),
            }),
            None => Err(ApiError::validation(vec![FieldError::new(
                "rating",
                format!("must be a whole number from 1 to {scale}"),
            )])),
        };
    }
    if rating.is_some() {
        return Err(ApiError::validation(vec![FieldError::new(
            "rating",
            "only rating polls take a rating",
        )]));
    }
    check_options(poll, option_ids).map(|option_ids| Ballot {
        option_ids,
        rating: None,
        entries: Vec::new(),
    })
}

fn check_entries(
    settings: &pollcast_types::OpenText,
    raw: &[String],
) -> Result<Vec<TextEntry>, ApiError> {
    let max = usize::from(settings.max_entries_per_voter);
    if raw.is_empty() || raw.len() > max {
        return Err(ApiError::new(ErrorCode::TooManyEntries)
            .with_detail(format!("send between 1 and {max} entries")));
    }
    let mut entries: Vec<TextEntry> = Vec::with_capacity(raw.len());
    for (i, text) in raw.iter().enumerate() {
        let field = format!("entries[{i}]");
        let entry = pollcast_text::entry(text, settings).map_err(|e| {
            let (code, message) = match e {
                EntryError::Empty => (ErrorCode::EntryEmpty, "is empty once trimmed".to_owned()),
                EntryError::TooLong => (
                    ErrorCode::EntryTooLong,
                    format!("must be at most {} characters", settings.max_length),
                ),
            };
            ApiError {
                errors: vec![FieldError::new(field.clone(), message)],
                ..ApiError::new(code)
            }
        })?;
        // One voter's entries count once each: "Fast" and "fast!" are one entry twice.
        if entry.term.is_some() && entries.iter().any(|e| e.term == entry.term) {
            return Err(ApiError::validation(vec![FieldError::new(
                field,
                "repeats an earlier entry of this ballot",
            )]));
        }
        entries.push(entry);
    }
    Ok(entries)
}

fn check_options(poll: &Poll, option_ids: &[String]) -> Result<Vec<OptionId>, ApiError> {
    let mut unknown = Vec::new();
    let mut chosen: Vec<OptionId> = Vec::with_capacity(option_ids.len());
    for (i, raw) in option_ids.iter().enumerate() {
        match OptionId::parse(raw).filter(|id| poll.option(id).is_some()) {
            Some(id) if chosen.contains(&id) => {
                return Err(ApiError::validation(vec![FieldError::new(
                    format!("option_ids[{i}]"),
                    "names an option twice",
                )]));
            }
            Some(id) => chosen.push(id),
            None => unknown.push(FieldError::new(
                format!("option_ids[{i}]"),
                "is not an option of this poll",
            )),
        }
    }
    if !unknown.is_empty() {
        return Err(ApiError {
            errors: unknown,
            ..ApiError::new(ErrorCode::InvalidOption)
        });
    }
    let n = chosen.len() as u32;
    let (min, max) = (poll.min_choices, poll.max_choices);
    if n < min || n > max {
        let message = if min == max {
            format!("choose exactly {min} option(s)")
        } else {
            format!("choose between {min} and {max} options")
        };
        return Err(ApiError::validation(vec![FieldError::new(
            "option_ids",
            message,
        )]));
    }
    Ok(chosen)
}
