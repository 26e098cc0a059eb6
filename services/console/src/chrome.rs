//! What every console page shares: the frame (`console/base.html`: navigation, who is signed
//! in, sign-out), the headers (CSP without inline code, `no-store`, no framing), redirects and
//! the error pages.

use std::fmt;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;
use pollcast_http::ApiError;
use pollcast_web::headers;
use pollcast_web::i18n::{Arg, Text};

use crate::member::Visit;

/// The frame's data, first field of every page template.
pub struct Chrome {
    pub t: Text,
    pub csrf: String,
    /// Which navigation entry is this page's (`polls`, `keys`, `members`, `webhooks`).
    pub nav: &'static str,
    pub email: String,
    pub role: &'static str,
    pub owner: bool,
    pub can_edit: bool,
}

impl Chrome {
    pub fn of(visit: &Visit, nav: &'static str) -> Chrome {
        let member = visit.signed_in.as_ref();
        Chrome {
            t: visit.t(),
            csrf: visit.csrf(),
            nav,
            email: member
                .map(|m| m.membership.email.clone())
                .unwrap_or_default(),
            role: member.map_or("", |m| m.membership.role.as_str()),
            owner: member.is_some_and(|m| m.can(pollcast_types::Scope::Admin)),
            can_edit: member.is_some_and(|m| m.can(pollcast_types::Scope::PollsWrite)),
        }
    }

    pub fn signed_in(&self) -> bool {
        !self.email.is_empty()
    }

    /// The message `{prefix}-{name}` (`kind-ranked`, `role-owner`, ...).
    pub fn key(&self, prefix: &str, name: &str) -> String {
        self.t.get(&format!("{prefix}-{name}"))
    }

    /// The message `{name}-{suffix}` (`signup-title`, ...).
    pub fn key_after(&self, name: &str, suffix: &str) -> String {
        self.t.get(&format!("{name}-{suffix}"))
    }

    /// A form field's name as the form labels it (`options[2].label` is `options`).
    pub fn field_name(&self, field: &str) -> String {
        field_name(self.t, field)
    }

    /// A message with one argument, without the isolation marks Fluent puts around it: the
    /// arguments here are numbers or the script's placeholders, and the marks would get in the
    /// way of labels and of the script's search for `#`.
    fn with_arg(&self, id: &str, name: &str, value: Arg) -> String {
        without_isolation(&self.t.format(id, &[(name, value)]))
    }

    /// A message whose argument `arg` is `#`, for the console's script to fill in.
    pub fn hash_text(&self, id: &str, arg: &str) -> String {
        self.with_arg(id, arg, Arg::Str("#"))
    }

    /// A count in words ("1 vote", "3 votes").
    pub fn count(&self, id: &str, n: &u64) -> String {
        self.with_arg(id, "count", Arg::Num(*n as f64))
    }

    /// The message `id` in every plural form, `{count}` where the number goes, as JSON for
    /// the console's script (which picks one with `Intl.PluralRules`).
    pub fn plurals(&self, id: &str) -> String {
        without_isolation(
            &serde_json::to_string(&self.t.plural_forms(id, "count", &[])).unwrap_or_default(),
        )
    }

    /// A message with one number `n` ("Option 3").
    pub fn numbered(&self, id: &str, n: &usize) -> String {
        self.with_arg(id, "n", Arg::Num(*n as f64))
    }

    pub fn role_name(&self) -> String {
        self.t.get(&format!("role-{}", self.role))
    }
}

/// A field of the API's errors by the name the console's forms give it (`options[2].label` is
/// "Options").
pub fn field_name(t: Text, field: &str) -> String {
    let base = field.split(['[', '.']).next().unwrap_or(field);
    t.get(&format!("field-{base}"))
}

/// An API error as lines a form shows above itself: its fields' messages, or its one
/// sentence. A failure that is not the request's (5xx) is a page of its own.
pub fn problem_lines(t: Text, e: ApiError) -> Result<Vec<String>, PageError> {
    if !(400..500).contains(&e.code.status()) {
        return Err(PageError(e));
    }
    Ok(if e.errors.is_empty() {
        vec![e.detail.unwrap_or_else(|| e.code.title().to_owned())]
    } else {
        e.errors
            .into_iter()
            .map(|f| format!("{}: {}", field_name(t, &f.field), f.message))
            .collect()
    })
}

fn without_isolation(text: &str) -> String {
    text.replace(['\u{2068}', '\u{2069}'], "")
}

/// Renders a page as the answer to a visit.
pub fn page(visit: &Visit, status: StatusCode, page: &impl Template) -> HttpResponse {
    match page.render() {
        Ok(html) => html_response(visit, status, html),
        Err(e) => PageError(ApiError::internal(e)).error_response(),
    }
}

pub fn html_response(visit: &Visit, status: StatusCode, html: String) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    headers::page_headers(&mut res, &console_csp());
    res.insert_header((header::CACHE_CONTROL, "private, no-store"));
    for cookie in visit.cookies() {
        res.append_header((header::SET_COOKIE, cookie));
    }
    res.body(html)
}

/// The console's CSP: the poll page's, and never framed.
fn console_csp() -> String {
    headers::csp("", Some(&[]))
}

/// `303 See Other` to a console path (after a form: a reload does not post again).
pub fn redirect(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_owned()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

#[derive(Template)]
#[template(path = "console/message.html")]
struct MessagePage<'a> {
    c: Chrome,
    message: &'a str,
}

/// A page with one message (refusals, errors), in the frame.
pub fn message_page(visit: &Visit, status: StatusCode, message: &str) -> HttpResponse {
    page(
        visit,
        status,
        &MessagePage {
            c: Chrome::of(visit, ""),
            message,
        },
    )
}

/// A failure a console page cannot show in place (the store is down, a bug): an HTML page
/// with the status, the stable code and, for `500`, the id under which the cause was logged;
/// never the cause itself.
#[derive(Debug)]
pub struct PageError(pub ApiError);

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        PageError(e)
    }
}

impl From<pollcast_store::StoreError> for PageError {
    fn from(e: pollcast_store::StoreError) -> Self {
        PageError(e.into())
    }
}

impl From<pollcast_types::ErrorCode> for PageError {
    fn from(e: pollcast_types::ErrorCode) -> Self {
        PageError(e.into())
    }
}

impl PageError {
    /// The page, where a handler answers with a response rather than an error.
    pub fn into_response(self) -> HttpResponse {
        self.error_response()
    }
}

impl fmt::Display for PageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.code.as_str())
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.0.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let title = self.0.code.title();
        let id = self
            .0
            .error_id
            .as_deref()
            .map(|id| format!("<p>Error id: <code>{id}</code></p>"))
            .unwrap_or_default();
        let html = format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{title}</title><link rel=\"stylesheet\" href=\"/static/console.css\"></head>\
             <body><main class=\"narrow\"><h1>{title}</h1>{id}\
             <p><a href=\"/console\">pollcast</a></p></main></body></html>"
        );
        let mut res = HttpResponse::build(self.status_code());
        headers::page_headers(&mut res, &console_csp());
        res.insert_header((header::CACHE_CONTROL, "no-store"));
        if let Some(secs) = self.0.retry_after_secs {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        res.body(html)
    }
}
