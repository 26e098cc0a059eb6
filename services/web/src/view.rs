//! What a visitor asked to see, from the query string (what `embed.js` forwards from the
//! `data-*` options) and the browser's `Accept-Language`; and what the page knows about their
//! vote, from the no-JS cookie.

use actix_web::HttpRequest;
use actix_web::http::header;
use pollcast_types::PollId;
use serde::Deserialize;

use crate::i18n::Lang;
use crate::page::{View, Visitor};
use crate::theme::{Accent, Rgb, Theme};

/// The cookie a browser's anonymous voter token is kept in (also by the script, when
/// `localStorage` is blocked).
pub const VOTER_COOKIE: &str = "pollcast_voter";

/// The cookie that says this browser voted in a poll, and for what (the option ids, or the
/// score, joined by `.`).
pub fn voted_cookie(poll: &PollId) -> String {
    format!("pollcast_voted_{poll}")
}

#[derive(Debug, Default, Deserialize)]
pub struct ViewQuery {
    pub lang: Option<String>,
    pub theme: Option<String>,
    pub accent: Option<String>,
    pub results: Option<String>,
}

impl ViewQuery {
    pub fn from_request(req: &HttpRequest) -> Self {
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default()
    }

    pub fn view(&self, req: &HttpRequest, embed: bool) -> View {
        let accept = req
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok());
        View {
            lang: Lang::negotiate(self.lang.as_deref(), accept),
            theme: Theme::parse(self.theme.as_deref()),
            accent: self.accent.as_deref().and_then(Rgb::parse).map(Accent::new),
            embed,
            hide_results: self.results.as_deref() == Some("hidden"),
        }
    }

    /// The same view as query parameters, for the redirect after a form vote.
    pub fn to_query(&self) -> String {
        let pairs: Vec<(&str, &str)> = [
            ("lang", self.lang.as_deref()),
            ("theme", self.theme.as_deref()),
            ("accent", self.accent.as_deref()),
            ("results", self.results.as_deref()),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect();
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

/// What the no-JS cookie says this browser voted for in `poll`.
pub fn visitor(req: &HttpRequest, poll: &PollId) -> Visitor {
    let voted = cookie(req, &voted_cookie(poll)).map(|value| {
        value
            .split('.')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    });
    Visitor { voted }
}

pub use pollcast_http::cookie::get as cookie;
