//! Whether a vote's choices fit its poll.

use pollcast_http::ApiError;
use pollcast_types::{ErrorCode, FieldError, OptionId, Poll, PollKind};

/// Checks the chosen option ids against the poll and returns them in the voter's order.
pub fn check(poll: &Poll, option_ids: &[String]) -> Result<Vec<OptionId>, ApiError> {
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
    let (min, max) = match poll.kind {
        PollKind::Single => (1, 1),
        _ => (poll.min_choices, poll.max_choices),
    };
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
