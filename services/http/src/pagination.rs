//! Cursor pagination: `?limit=` (1..200, default 50) and `?cursor=`, answered with
//! `{"data": [...], "next_cursor": "..." | null}`.

use pollcast_types::FieldError;
use serde::Serialize;

use crate::ApiError;

pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 200;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub next_cursor: Option<String>,
}

/// The page size asked for, checked.
pub fn limit(requested: Option<i64>) -> Result<usize, ApiError> {
    match requested {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT as i64).contains(&n) => Ok(n as usize),
        Some(_) => Err(ApiError::validation(vec![FieldError::new(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        )])),
    }
}

/// Builds a page from up to `limit + 1` items: the extra one only says another page exists.
pub fn page<T, U>(
    mut items: Vec<T>,
    limit: usize,
    cursor_of: impl Fn(&T) -> String,
    view: impl Fn(&T) -> U,
) -> Page<U> {
    let more = items.len() > limit;
    items.truncate(limit);
    Page {
        next_cursor: if more {
            items.last().map(&cursor_of)
        } else {
            None
        },
        data: items.iter().map(view).collect(),
    }
}

/// The cursor of a newest-first list: the last item's creation time and id.
pub fn after_cursor(created_at_ms: i64, id: &str) -> String {
    format!("{created_at_ms}.{id}")
}

/// The inverse of [`after_cursor`], refusing what it did not make.
/// The query of a plain list route: how many, and after which item.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// 1 to 200; 50 when absent.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Where a page starts: after the `cursor` query parameter's item, if it has one.
pub fn after(cursor: Option<&str>) -> Result<Option<pollcast_store::After>, ApiError> {
    cursor
        .map(|c| {
            parse_after_cursor(c).map(|(created_at, id)| pollcast_store::After { created_at, id })
        })
        .transpose()
}

pub fn parse_after_cursor(cursor: &str) -> Result<(i64, String), ApiError> {
    cursor
        .split_once('.')
        .and_then(|(at, id)| {
            let at = at.parse().ok()?;
            pollcast_types::ids::is_url_safe(id, 64).then(|| (at, id.to_owned()))
        })
        .ok_or_else(bad_cursor)
}

/// A cursor that does not decode is a client error, not a silent first page.
pub fn bad_cursor() -> ApiError {
    ApiError::validation(vec![FieldError::new(
        "cursor",
        "is not a cursor this API issued",
    )])
}
