//! Who is visiting a console page: their language, their CSRF seed and, once signed in, their
//! membership. Every handler starts with [`Visit::of`].

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use pollcast_auth::sessions::{self, SESSION_COOKIE, SignedIn};
use pollcast_runtime::ServerSecret;
use pollcast_types::Scope;
use pollcast_web::i18n::{Lang, Text};
use pollcast_web::view::ViewQuery;

use crate::chrome::{self, PageError};
use crate::form::Form;
use crate::{ConsoleState, csrf};

/// A checked form from a member.
pub struct Posted {
    pub visit: Visit,
    pub form: Form,
    pub me: SignedIn,
}

/// The value of a check, or return its answer (a redirect or a refusal page) from the
/// handler.
macro_rules! attempt {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(response) => return Ok(response),
        }
    };
}
pub(crate) use attempt;

pub struct Visit {
    pub lang: Lang,
    pub signed_in: Option<SignedIn>,
    seed: String,
    new_seed: bool,
    secret: ServerSecret,
    secure: bool,
    same_site: bool,
}

// The `Err` of these checks is the answer itself (a redirect or a refusal page), made once
// per request: boxing it would only add an allocation.
#[allow(clippy::result_large_err)]
impl Visit {
    /// A page for a signed-in member whose role grants `scope`; else the answer to give
    /// (sign-in, or `403`).
    pub async fn member_of(
        state: &ConsoleState,
        req: &HttpRequest,
        scope: Scope,
    ) -> Result<Result<(Visit, SignedIn), HttpResponse>, PageError> {
        let visit = Visit::of(state, req).await?;
        Ok(match visit.member_with(scope) {
            Ok(me) => {
                let me = me.clone();
                Ok((visit, me))
            }
            Err(answer) => Err(answer),
        })
    }

    /// A form posted from a console page of this site (CSRF and origin checked); else the
    /// refusal.
    pub async fn form_of(
        state: &ConsoleState,
        req: &HttpRequest,
        body: &[u8],
    ) -> Result<Result<(Visit, Form), HttpResponse>, PageError> {
        let visit = Visit::of(state, req).await?;
        let form = Form::parse(body);
        Ok(match visit.check_form(&form) {
            Ok(()) => Ok((visit, form)),
            Err(refused) => Err(refused),
        })
    }

    /// [`Self::form_of`] from a member whose role grants `scope`.
    pub async fn member_form_of(
        state: &ConsoleState,
        req: &HttpRequest,
        body: &[u8],
        scope: Scope,
    ) -> Result<Result<Posted, HttpResponse>, PageError> {
        let (visit, form) = match Visit::form_of(state, req, body).await? {
            Ok(posted) => posted,
            Err(refused) => return Ok(Err(refused)),
        };
        Ok(match visit.member_with(scope) {
            Ok(me) => {
                let me = me.clone();
                Ok(Posted { visit, form, me })
            }
            Err(answer) => Err(answer),
        })
    }

    pub async fn of(state: &ConsoleState, req: &HttpRequest) -> Result<Visit, PageError> {
        let (seed, new_seed) = csrf::seed(req);
        let public_url = &state.context.settings.public_url;
        Ok(Visit {
            // `?lang=`, else the browser's languages: as the poll page decides.
            lang: ViewQuery::from_request(req).view(req, false).lang,
            signed_in: sessions::resolve(&state.context, req)
                .await
                .map_err(PageError::from)?,
            seed,
            new_seed,
            secret: state.context.secret.clone(),
            secure: public_url.starts_with("https://"),
            same_site: pollcast_http::origin::from_own_origin(req, public_url),
        })
    }

    pub fn t(&self) -> Text {
        self.lang.text()
    }

    fn session_key(&self) -> &str {
        self.signed_in
            .as_ref()
            .map_or("", |s| s.session.id_hash.as_str())
    }

    /// The token this visit's forms carry.
    pub fn csrf(&self) -> String {
        csrf::token(&self.secret, &self.seed, self.session_key())
    }

    /// Refuses a form that did not come from a console page of this site (`403`).
    pub fn check_form(&self, form: &Form) -> Result<(), HttpResponse> {
        let valid = self.same_site
            && csrf::token_is_valid(
                &self.secret,
                &self.seed,
                self.session_key(),
                form.get(csrf::FIELD),
            );
        if valid {
            Ok(())
        } else {
            tracing::info!("console form refused: bad CSRF token or another site's origin");
            Err(self.refusal(StatusCode::FORBIDDEN, "error-csrf"))
        }
    }

    /// The signed-in member, or a redirect to the sign-in page.
    pub fn member(&self) -> Result<&SignedIn, HttpResponse> {
        self.signed_in
            .as_ref()
            .ok_or_else(|| chrome::redirect("/console/signin"))
    }

    /// The signed-in member if their role grants `scope`; else sign-in or `403`.
    pub fn member_with(&self, scope: Scope) -> Result<&SignedIn, HttpResponse> {
        let me = self.member()?;
        if me.can(scope) {
            Ok(me)
        } else {
            Err(self.refusal(StatusCode::FORBIDDEN, "error-role"))
        }
    }

    /// A short page that says why, in the visitor's language.
    pub fn refusal(&self, status: StatusCode, message: &str) -> HttpResponse {
        chrome::message_page(self, status, &self.t().get(message))
    }

    /// `Set-Cookie` values every answer to this visit carries.
    pub fn cookies(&self) -> Vec<String> {
        if self.new_seed {
            vec![format!(
                "{}={}; Path=/console; HttpOnly; SameSite=Strict{}",
                csrf::CSRF_COOKIE,
                self.seed,
                self.secure_flag()
            )]
        } else {
            Vec::new()
        }
    }

    pub fn secure_flag(&self) -> &'static str {
        if self.secure { "; Secure" } else { "" }
    }

    /// The cookie that signs a browser in.
    pub fn session_cookie(&self, id: &str, max_age_secs: u64) -> String {
        format!(
            "{SESSION_COOKIE}={id}; Path=/; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax{}",
            self.secure_flag()
        )
    }

    /// The cookie that carries the setup token from the setup link to the sign-up form.
    pub fn setup_cookie(&self, token: &str) -> String {
        format!(
            "{}={token}; Path=/console; Max-Age=3600; HttpOnly; SameSite=Strict{}",
            pollcast_runtime::console_setup::COOKIE,
            self.secure_flag()
        )
    }

    /// The cookie that signs it out.
    pub fn clear_session_cookie(&self) -> String {
        format!(
            "{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{}",
            self.secure_flag()
        )
    }
}
