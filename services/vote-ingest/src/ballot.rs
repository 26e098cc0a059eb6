//! Whether a vote's choices fit its poll.

use pollcast_http::ApiError;
use pollcast_types::{ErrorCode, FieldError, OptionId, Poll, PollKind};

/// What a vote chose, checked against its poll.
#[derive(Debug, PartialEq, Eq)]
pub struct Ballot {
    /// In the voter's order, which for a ranked poll is the ranking.
    pub option_ids: Vec<OptionId>,
    pub rating: Option<u8>,
}

/// Checks a vote's choices against the poll: option ids for every kind but `rating`, a score
/// from 1 to the poll's scale for `rating`.
pub fn check(poll: &Poll, option_ids: &[String], rating: Option<i64>) -> Result<Ballot, ApiError> {
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
    })
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
