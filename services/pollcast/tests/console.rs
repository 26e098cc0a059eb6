//! The owner console over HTTP, as a browser without JavaScript uses it: sign-up and sign-in,
//! sessions, CSRF, roles and tenancy, forms that answer bad input with the form. (What a real
//! browser does with the pages, and axe-core, is `browser.rs`.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;

use pollcast_testkit::{TestApp, TestEnv, create_poll, get_json_with, simple_poll};
use serde_json::Value;

/// A browser without JavaScript: keeps its cookies, reads each page's CSRF token, does not
/// follow redirects (tests look at them).
struct Browser<'a> {
    app: &'a TestApp,
    client: awc::Client,
    cookies: HashMap<String, String>,
    csrf: String,
    /// The client address a trusted proxy says this browser has (`X-Forwarded-For`).
    from: Option<String>,
}

struct Answer {
    status: u16,
    location: String,
    content_type: String,
    set_cookies: Vec<String>,
    body: String,
}

impl<'a> Browser<'a> {
    fn new(app: &'a TestApp) -> Self {
        Browser {
            app,
            client: awc::Client::builder().disable_redirects().finish(),
            cookies: HashMap::new(),
            csrf: String::new(),
            from: None,
        }
    }

    /// A browser at `address`, as a trusted proxy in front reports it.
    fn at(app: &'a TestApp, address: &str) -> Self {
        Browser {
            from: Some(address.to_owned()),
            ..Browser::new(app)
        }
    }

    fn forwarded(&self) -> (&'static str, String) {
        ("X-Forwarded-For", self.from.clone().unwrap_or_default())
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn read<S>(&mut self, mut res: awc::ClientResponse<S>) -> Answer
    where
        S: futures_util::Stream<Item = Result<bytes::Bytes, awc::error::PayloadError>> + Unpin,
    {
        let header = |name: &str| {
            res.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        let (location, content_type) = (header("location"), header("content-type"));
        let set_cookies: Vec<String> = res
            .headers()
            .get_all("set-cookie")
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        for c in &set_cookies {
            let pair = c.split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            if c.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
        let body = String::from_utf8(res.body().limit(1 << 22).await.unwrap().to_vec()).unwrap();
        if let Some(at) = body.find("name=\"csrf\" value=\"") {
            let rest = &body[at + 19..];
            self.csrf = rest[..rest.find('"').unwrap()].to_owned();
        }
        Answer {
            status: res.status().as_u16(),
            location,
            content_type,
            set_cookies,
            body,
        }
    }

    async fn get(&mut self, path: &str) -> Answer {
        self.get_with(path, &[]).await
    }

    async fn get_with(&mut self, path: &str, headers: &[(&str, &str)]) -> Answer {
        let mut req = self
            .client
            .get(self.app.url(path))
            .insert_header(("Cookie", self.cookie_header()))
            .insert_header(self.forwarded());
        for (k, v) in headers {
            req = req.insert_header((*k, *v));
        }
        let res = req.send().await.unwrap();
        self.read(res).await
    }

    /// Posts a form the way a page of this site does: its CSRF token, its own origin.
    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let origin = self.app.url("");
        let origin = origin.trim_end_matches('/').to_owned();
        let csrf = self.csrf.clone();
        self.post_with(path, fields, &csrf, &[("Origin", &origin)])
            .await
    }

    async fn post_with(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        csrf: &str,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        if !csrf.is_empty() {
            form.push(("csrf", csrf));
        }
        let mut req = self
            .client
            .post(self.app.url(path))
            .insert_header(("Cookie", self.cookie_header()))
            .insert_header(self.forwarded());
        for (k, v) in headers {
            req = req.insert_header((*k, *v));
        }
        let res = req.send_form(&form).await.unwrap();
        self.read(res).await
    }

    async fn sign_up(&mut self, email: &str, password: &str) -> Answer {
        // A fresh install's first account needs the setup link; later it only redirects.
        let token = pollcast_runtime::console_setup::token(&self.app.context.secret);
        self.get(&format!("/console/setup?token={token}")).await;
        self.get("/console/signup").await;
        self.post(
            "/console/signup",
            &[
                ("email", email),
                ("password", password),
                ("workspace", "Acme"),
            ],
        )
        .await
    }

    async fn sign_in(&mut self, email: &str, password: &str) -> Answer {
        self.get("/console/signin").await;
        self.post(
            "/console/signin",
            &[("email", email), ("password", password)],
        )
        .await
    }

    async fn create_poll(&mut self, fields: &[(&str, &str)]) -> Answer {
        self.get("/console/polls/new").await;
        self.post("/console/polls", fields).await
    }
}

const PASSWORD: &str = "correct horse battery";

fn ranked_poll(question: &str) -> Vec<(&str, &str)> {
    vec![
        ("question", question),
        ("kind", "ranked"),
        ("option_label", "Monday"),
        ("option_id", ""),
        ("option_label", "Tuesday"),
        ("option_id", ""),
        ("option_label", "Wednesday"),
        ("option_id", ""),
        ("results_visibility", "always"),
        ("dedupe", "browser"),
    ]
}

fn poll_id_of(location: &str) -> String {
    location.rsplit('/').next().unwrap().to_owned()
}

#[actix_web::test]
async fn a_new_owner_signs_up_creates_a_poll_and_manages_it() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), pollcast::services);
    let mut owner = Browser::new(&app);
    assert_eq!(owner.get("/console").await.location, "/console/signin");

    // The first sign-up owns a new workspace; the session cookie holds only a random id.
    let signed_up = owner.sign_up("Owner@Example.com", PASSWORD).await;
    assert_eq!(signed_up.status, 303, "{}", signed_up.body);
    let session = signed_up
        .set_cookies
        .iter()
        .find(|c| c.starts_with("pollcast_session="))
        .expect("a session cookie");
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax"));
    pollcast_testkit::assert_not_stored(
        &env.data_path(),
        owner.cookies["pollcast_session"].as_str(),
    );
    let polls = owner.get("/console/polls").await;
    assert_eq!(polls.status, 200);
    assert!(polls.body.contains("owner@example.com"));

    // After that, sign-up is by invitation.
    let mut stranger = Browser::new(&app);
    let refused = stranger.sign_up("someone@example.com", PASSWORD).await;
    assert_eq!(refused.status, 403);
    assert!(
        !refused
            .set_cookies
            .iter()
            .any(|c| c.starts_with("pollcast_session="))
    );

    // Bad input gets the form back, in HTML, with the errors by their fields.
    let bad = owner
        .create_poll(&[
            ("question", ""),
            ("kind", "single"),
            ("option_label", "Only one"),
            ("option_id", ""),
            ("min_choices", "lots"),
        ])
        .await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.content_type.starts_with("text/html"),
        "{}",
        bad.content_type
    );
    assert!(bad.body.contains("aria-invalid=\"true\""));
    assert!(bad.body.contains("must be a whole number"));
    assert!(
        bad.body.contains("value=\"Only one\""),
        "what was typed is kept"
    );

    // A question with markup is text.
    let created = owner
        .create_poll(&ranked_poll("<script>alert(1)</script> Which day?"))
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let id = poll_id_of(&created.location);
    let page = owner.get(&created.location).await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("<script>alert(1)</script>"));
    assert!(
        page.body
            .contains("&#60;script&#62;alert(1)&#60;/script&#62; Which day?")
    );
    assert!(
        page.body.contains(&format!("data-poll=\\\"{id}\\\""))
            || page.body.contains(&format!("data-poll=&#34;{id}&#34;")),
        "the embed snippet"
    );
    assert!(page.body.contains("<svg"), "the QR code");
    let csp = "script-src 'self'";
    let headers = awc::Client::new()
        .get(app.url(&created.location))
        .insert_header(("Cookie", owner.cookie_header()))
        .send()
        .await
        .unwrap();
    assert!(
        headers
            .headers()
            .get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap()
            .contains(csp)
    );

    // A vote through the API shows in the list's count once tally has counted it.
    let (_, poll) = pollcast_testkit::get_json(&app.url(&format!("/v1/polls/{id}"))).await;
    let ballot: Vec<Value> = poll["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].clone())
        .collect();
    let token = pollcast_testkit::voter_token(&app).await;
    let (status, _) = pollcast_testkit::post_json(
        &app.url(&format!("/v1/polls/{id}/votes")),
        None,
        &serde_json::json!({"option_ids": ballot, "voter_token": token}),
    )
    .await;
    assert_eq!(status, 202);
    pollcast_testkit::eventually(
        std::time::Duration::from_secs(5),
        "the list counts the vote",
        || async {
            let mut b = Browser::new(&app);
            b.cookies = owner.cookies.clone();
            b.get("/console/polls")
                .await
                .body
                .contains("<td class=\"number\">1</td>")
                .then_some(())
        },
    )
    .await;

    // The list finds it by a word of its question, and not by another.
    assert!(owner.get("/console/polls?q=which").await.body.contains(&id));
    assert!(
        !owner
            .get("/console/polls?q=nothing-like-it")
            .await
            .body
            .contains(&id)
    );
    // The owner's session reads the API's results and export (GET only).
    assert_eq!(
        owner.get(&format!("/v1/polls/{id}/votes.csv")).await.status,
        200
    );

    // Closing asks first, then closes.
    let confirm = owner.get(&format!("/console/polls/{id}/close")).await;
    assert!(
        confirm
            .body
            .contains("No vote is accepted once it is closed")
    );
    let closed = owner.post(&format!("/console/polls/{id}/close"), &[]).await;
    assert_eq!(closed.status, 303);
    let key = app.admin_key().await;
    let _ = key;
    assert!(
        owner
            .get(&format!("/console/polls/{id}"))
            .await
            .body
            .contains("status closed")
    );

    // Signed out, the old cookie is worth nothing.
    let old = owner.cookies.clone();
    owner.get("/console/polls").await;
    assert_eq!(owner.post("/console/signout", &[]).await.status, 303);
    owner.cookies = old;
    assert_eq!(
        owner.get("/console/polls").await.location,
        "/console/signin"
    );
    assert_eq!(
        owner.get(&format!("/v1/polls/{id}/votes.csv")).await.status,
        401
    );
}

#[actix_web::test]
async fn forms_without_the_token_or_from_another_site_are_refused() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), pollcast::services);
    let mut owner = Browser::new(&app);
    owner.sign_up("owner@example.com", PASSWORD).await;
    owner.get("/console/polls/new").await;
    let token = owner.csrf.clone();
    let origin = app.url("").trim_end_matches('/').to_owned();
    let fields = ranked_poll("Forged?");
    for (csrf, headers, why) in [
        ("", vec![("Origin", origin.as_str())], "no token"),
        (
            "0123456789abcdef0123456789abcdef",
            vec![("Origin", origin.as_str())],
            "a made-up token",
        ),
        (
            token.as_str(),
            vec![("Origin", "https://evil.example")],
            "another origin",
        ),
        (
            token.as_str(),
            vec![("Sec-Fetch-Site", "cross-site")],
            "a cross-site fetch",
        ),
    ] {
        let answer = owner
            .post_with("/console/polls", &fields, csrf, &headers)
            .await;
        assert_eq!(answer.status, 403, "{why}");
        assert!(answer.content_type.starts_with("text/html"), "{why}");
    }
    // A token from another browser does not do either.
    let mut other = Browser::new(&app);
    other.get("/console/signin").await;
    let foreign = other.csrf.clone();
    let answer = owner
        .post_with(
            "/console/polls",
            &fields,
            &foreign,
            &[("Origin", origin.as_str())],
        )
        .await;
    assert_eq!(answer.status, 403);
    let list = owner.get("/console/polls").await;
    assert!(!list.body.contains("Forged?"), "nothing was created");
    // The page's own form goes through.
    owner.get("/console/polls/new").await;
    assert_eq!(owner.post("/console/polls", &fields).await.status, 303);
}

#[actix_web::test]
async fn viewers_change_nothing_and_other_workspaces_polls_are_not_found() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), pollcast::services);
    let mut owner = Browser::new(&app);
    owner.sign_up("owner@example.com", PASSWORD).await;
    let id = poll_id_of(&owner.create_poll(&ranked_poll("Ours")).await.location);

    // An invitation link makes a viewer.
    owner.get("/console/members").await;
    let invited = owner
        .post("/console/members/invite", &[("role", "viewer")])
        .await;
    assert_eq!(invited.status, 201);
    let at = invited.body.find("/console/join/").unwrap();
    let link = invited.body[at..].split('"').next().unwrap().to_owned();
    let mut viewer = Browser::new(&app);
    viewer.get(&link).await;
    let joined = viewer
        .post(
            &link,
            &[("email", "viewer@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(joined.status, 303, "{}", joined.body);
    // The link works once.
    let mut late = Browser::new(&app);
    late.get(&link).await;
    assert_eq!(
        late.post(
            &link,
            &[("email", "late@example.com"), ("password", PASSWORD)]
        )
        .await
        .status,
        404
    );

    assert_eq!(
        viewer.get(&format!("/console/polls/{id}")).await.status,
        200
    );
    for path in [
        "/console/polls/new",
        "/console/keys",
        "/console/members",
        "/console/webhooks",
    ] {
        assert_eq!(viewer.get(path).await.status, 403, "{path}");
    }
    viewer.get(&format!("/console/polls/{id}")).await;
    for action in ["close", "reset", "delete"] {
        assert_eq!(
            viewer
                .post(&format!("/console/polls/{id}/{action}"), &[])
                .await
                .status,
            403,
            "{action}"
        );
    }
    assert_eq!(
        viewer
            .post("/console/polls", &ranked_poll("Viewer's"))
            .await
            .status,
        403
    );
    assert!(
        owner
            .get(&format!("/console/polls/{id}"))
            .await
            .body
            .contains("status open")
    );

    // Another workspace's poll: 404 in the console, as in the API.
    let (_, other_key) =
        pollcast_testkit::create_workspace(env.context(env.opts()).store.as_ref()).await;
    let theirs = create_poll(&app, &other_key, simple_poll(2, "none")).await;
    let theirs = theirs["id"].as_str().unwrap();
    assert_eq!(
        owner.get(&format!("/console/polls/{theirs}")).await.status,
        404
    );
    owner.get(&format!("/console/polls/{id}")).await;
    assert_eq!(
        owner
            .post(&format!("/console/polls/{theirs}/close"), &[])
            .await
            .status,
        404
    );
    assert_eq!(
        owner
            .get(&format!("/v1/polls/{theirs}/votes.csv"))
            .await
            .status,
        404
    );
    let (_, poll) = get_json_with(&app.url(&format!("/v1/polls/{theirs}")), &other_key).await;
    assert_eq!(poll["status"], Value::from("open"));
}

#[actix_web::test]
async fn sign_in_is_throttled_and_never_says_whether_an_account_exists() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), pollcast::services);
    Browser::new(&app)
        .sign_up("owner@example.com", PASSWORD)
        .await;

    let mut guesser = Browser::new(&app);
    let wrong = guesser
        .sign_in("owner@example.com", "not the password")
        .await;
    let unknown = guesser
        .sign_in("nobody@example.com", "not the password")
        .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(unknown.status, 401);
    let message = |body: &str| {
        body.find("role=\"alert\"")
            .map(|at| body[at..at + 120].to_owned())
    };
    assert_eq!(message(&wrong.body), message(&unknown.body));
    assert!(
        wrong
            .body
            .contains("The email or the password is not right.")
    );
    // Five failures a minute per account from one address (the default); the next one
    // blocks that address for that account, and its sign-ins are refused unread, the right
    // password included.
    for _ in 0..5 {
        guesser.sign_in("owner@example.com", "still not it").await;
    }
    let throttled = guesser.sign_in("owner@example.com", PASSWORD).await;
    assert_eq!(throttled.status, 429);
    assert!(throttled.body.contains("Too many attempts"));
    assert!(
        !throttled
            .set_cookies
            .iter()
            .any(|c| c.starts_with("pollcast_session="))
    );
    // Another account is not locked out by it.
    let mut owner = Browser::new(&app);
    let fine = owner.sign_in("someone@example.com", PASSWORD).await;
    assert_eq!(fine.status, 401);
    app.stop().await;
}

/// Strangers who know an owner's email, failing from many addresses, slow the owner's
/// sign-in but never refuse it; sign-ups and invitation joins from one address (a team behind
/// a NAT) never spend that address's sign-in budget.
#[actix_web::test]
async fn no_stranger_can_lock_an_owner_out_and_sign_ups_keep_the_sign_in_budget() {
    let env = TestEnv::new().await;
    let mut opts = env.opts();
    opts.trusted_proxies = Some(vec!["127.0.0.1".into(), "::1".into()]);
    // Budgets a minute: 2 failures per account and address, 8 per address, 8 per account.
    opts.signin_failures_per_minute = Some(2);
    let app = env.spawn_app(opts, pollcast::services);
    let mut owner = Browser::at(&app, "198.51.100.7");
    assert_eq!(
        owner.sign_up("owner@example.com", PASSWORD).await.status,
        303
    );
    // Twelve wrong passwords from four addresses: past the account's budget of 8.
    for attacker in 0..4 {
        let mut guesser = Browser::at(&app, &format!("203.0.113.{attacker}"));
        for _ in 0..3 {
            let wrong = guesser.sign_in("owner@example.com", "a wrong guess").await;
            assert_eq!(wrong.status, 401);
        }
        assert_eq!(
            guesser.sign_in("owner@example.com", PASSWORD).await.status,
            429,
            "each guessing address is refused for the account"
        );
    }
    let started = std::time::Instant::now();
    let mut owner = Browser::at(&app, "198.51.100.7");
    let signed_in = owner.sign_in("owner@example.com", PASSWORD).await;
    assert_eq!(
        signed_in.status, 303,
        "the owner gets in: {}",
        signed_in.body
    );
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(2),
        "slowed while under attack"
    );

    // Ten sign-ups from one address (past its sign-in budget of 8), then its people still
    // sign in.
    let mut team = Browser::at(&app, "192.0.2.50");
    for n in 0..10 {
        let answer = team
            .sign_up(&format!("member{n}@example.com"), PASSWORD)
            .await;
        assert_ne!(answer.status, 429, "sign-up {n}");
    }
    for n in 0..3 {
        let mut member = Browser::at(&app, "192.0.2.50");
        let answer = member
            .sign_in(&format!("member{n}@example.com"), "wrong one")
            .await;
        assert_eq!(
            answer.status, 401,
            "a sign-in, not throttled by the sign-ups"
        );
    }
    app.stop().await;
}

/// A fresh install belongs to whoever holds its setup link, not to whoever finds it first.
#[actix_web::test]
async fn the_first_account_needs_the_setup_link_which_dies_with_its_use() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), pollcast::services);
    let link = pollcast_runtime::console_setup::announce(&app.context)
        .await
        .unwrap()
        .expect("a fresh install needs setting up");
    let file = env.data_path().join("setup-token");
    let token = std::fs::read_to_string(&file).unwrap();
    assert!(link.ends_with(&format!("/console/setup?token={}", token.trim())));

    // A stranger who found the install cannot take it.
    let mut stranger = Browser::new(&app);
    let form = stranger.get("/console/signup").await;
    assert!(form.body.contains("setup link"), "{}", form.body);
    assert!(!form.body.contains("name=\"password\""));
    // The sign-in page's form token, so the refusal is about the setup, not the form.
    assert_eq!(stranger.get("/console/signin").await.status, 200);
    let taken = stranger
        .post(
            "/console/signup",
            &[("email", "thief@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(taken.status, 403, "{}", taken.body);
    let guessed = stranger
        .get("/console/setup?token=00000000000000000000000000000000")
        .await;
    assert_eq!(guessed.status, 404);
    assert!(guessed.set_cookies.is_empty());

    // The operator opens the link: the token moves to a cookie, the form opens.
    let mut operator = Browser::new(&app);
    let opened = operator
        .get(&format!("/console/setup?token={}", token.trim()))
        .await;
    assert_eq!(
        (opened.status, opened.location.as_str()),
        (303, "/console/signup")
    );
    assert!(opened.set_cookies[0].starts_with("pollcast_setup="));
    assert!(opened.set_cookies[0].contains("HttpOnly"));
    let form = operator.get("/console/signup").await;
    assert!(form.body.contains("name=\"password\""));
    let created = operator
        .post(
            "/console/signup",
            &[("email", "owner@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    assert!(!file.exists(), "the setup-token file goes once used");
    assert_eq!(
        pollcast_runtime::console_setup::announce(&app.context)
            .await
            .unwrap(),
        None
    );
    // Dead: the link now leads to sign-in, and a second first account is refused.
    let later = Browser::new(&app)
        .get(&format!("/console/setup?token={}", token.trim()))
        .await;
    assert_eq!(later.location, "/console/signin");
    let again = operator.sign_up("second@example.com", PASSWORD).await;
    assert_eq!(again.status, 403);
    app.stop().await;
}

/// An owner's session reads hidden results through the API only from a page of this site: a
/// page on a sibling subdomain gets the cookie sent along (SameSite=Lax), and a WebSocket is
/// not bound by CORS, so the request's origin decides.
#[actix_web::test]
async fn a_console_session_reads_the_api_only_from_its_own_origin() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), pollcast::services);
    let mut owner = Browser::new(&app);
    assert_eq!(
        owner.sign_up("owner@example.com", PASSWORD).await.status,
        303
    );
    let mut fields = ranked_poll("Hidden?");
    for f in &mut fields {
        if f.0 == "results_visibility" {
            f.1 = "owner_only";
        }
    }
    let created = owner.create_poll(&fields).await;
    assert_eq!(created.status, 303, "{}", created.body);
    let id = poll_id_of(&created.location);
    let results = format!("/v1/polls/{id}/results");
    let own = app.url("");
    let own = own.trim_end_matches('/');
    assert_eq!(
        owner.get(&results).await.status,
        200,
        "no Origin: a navigation"
    );
    assert_eq!(
        owner.get_with(&results, &[("Origin", own)]).await.status,
        200
    );
    for headers in [
        vec![("Origin", "https://evil.example.com")],
        vec![
            ("Sec-Fetch-Site", "same-site"),
            ("Origin", "https://sibling.example.com"),
        ],
        vec![("Sec-Fetch-Site", "cross-site")],
    ] {
        let refused = owner.get_with(&results, &headers).await;
        assert_eq!(refused.status, 403, "{headers:?}: {}", refused.body);
        assert!(refused.body.contains("results_hidden"));
    }
    // The live socket likewise: from another origin it is closed as hidden.
    let live = app.ws_url(&format!("/v1/polls/{id}/live"));
    let ws = |origin: String| {
        let cookie = owner.cookie_header();
        let live = live.clone();
        async move {
            use futures_util::StreamExt;
            let connected = pollcast_testkit::client()
                .ws(live)
                .origin(origin)
                .header("Cookie", cookie)
                .connect()
                .await;
            let Ok((_, mut socket)) = connected else {
                return "refused".to_owned();
            };
            match tokio::time::timeout(std::time::Duration::from_secs(10), socket.next())
                .await
                .unwrap()
            {
                Some(Ok(awc::ws::Frame::Text(t))) => {
                    let v: serde_json::Value = serde_json::from_slice(&t).unwrap();
                    v["type"].as_str().unwrap_or("").to_owned()
                }
                Some(Ok(awc::ws::Frame::Close(reason))) => {
                    reason.and_then(|r| r.description).unwrap_or_default()
                }
                other => format!("{other:?}"),
            }
        }
    };
    assert_eq!(ws(own.to_owned()).await, "results");
    assert_ne!(ws("https://sibling.example.com".into()).await, "results");
    app.stop().await;
}

/// `pollcast user create|reset-password`, the operators' way in (there is no mail server).
#[actix_web::test]
async fn operators_create_accounts_and_reset_passwords_from_the_cli() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let env = TestEnv::new().await;
    let run = |args: &[&str], password: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_pollcast"))
            .args(args)
            .arg("--data-dir")
            .arg(env.data_path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (ok, said) = run(
        &[
            "user",
            "create",
            "--email",
            "ops@example.com",
            "--password-stdin",
        ],
        "short",
    );
    assert!(!ok && said.contains("10 to 1024 characters"), "{said}");
    let (ok, said) = run(
        &[
            "user",
            "create",
            "--email",
            "Ops@Example.com",
            "--password-stdin",
        ],
        PASSWORD,
    );
    assert!(
        ok && said.contains("account_id:") && said.contains("(owner)"),
        "{said}"
    );
    let (ok, said) = run(
        &[
            "user",
            "create",
            "--email",
            "ops@example.com",
            "--password-stdin",
        ],
        PASSWORD,
    );
    assert!(!ok && said.contains("exists"), "{said}");

    let app = env.spawn_app(env.opts(), pollcast::services);
    let mut ops = Browser::new(&app);
    assert_eq!(ops.sign_in("ops@example.com", PASSWORD).await.status, 303);
    assert_eq!(ops.get("/console/keys").await.status, 200, "an owner");

    let (ok, said) = run(
        &[
            "user",
            "reset-password",
            "--email",
            "ops@example.com",
            "--password-stdin",
        ],
        "another long password",
    );
    assert!(ok, "{said}");
    assert_eq!(
        ops.get("/console/polls").await.location,
        "/console/signin",
        "its sessions ended"
    );
    let mut again = Browser::new(&app);
    assert_eq!(again.sign_in("ops@example.com", PASSWORD).await.status, 401);
    assert_eq!(
        again
            .sign_in("ops@example.com", "another long password")
            .await
            .status,
        303
    );
}

/// Someone who already has an account joins another workspace with it, then switches
/// between the two.
#[actix_web::test]
async fn an_existing_account_accepts_an_invitation_and_switches_workspaces() {
    use pollcast_store::{Join, SignedUp};
    use pollcast_types::{Account, AccountId, Timestamp, Workspace, WorkspaceId};
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), pollcast::services);
    let mut ana = Browser::new(&app);
    ana.sign_up("ana@example.com", PASSWORD).await;
    ana.get("/console/members").await;
    let invited = ana
        .post("/console/members/invite", &[("role", "editor")])
        .await;
    let at = invited.body.find("/console/join/").unwrap();
    let link = invited.body[at..].split('"').next().unwrap().to_owned();

    // Bo owns a workspace of his own already.
    let bos = Workspace {
        id: WorkspaceId::generate(),
        name: "Bo's shop".into(),
        created_at: Timestamp::now(),
    };
    let account = Account {
        id: AccountId::generate(),
        email: "bo@example.com".into(),
        password_hash: pollcast_console::hash_password(PASSWORD.into())
            .await
            .unwrap(),
        created_at: Timestamp::now(),
    };
    let store = app.context.store.clone();
    assert!(matches!(
        store.sign_up(&account, Join::Open(&bos)).await.unwrap(),
        SignedUp::Member(_)
    ));

    let mut bo = Browser::new(&app);
    bo.get(&link).await;
    let wrong = bo
        .post(
            &link,
            &[
                ("email", "bo@example.com"),
                ("password", "not his password"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("that is not its password"));
    let joined = bo
        .post(
            &link,
            &[("email", "bo@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        joined.status, 303,
        "the failed try did not use the invitation up"
    );
    assert_eq!(
        bo.get("/console/polls/new").await.status,
        200,
        "an editor in Ana's workspace"
    );
    assert_eq!(bo.get("/console/keys").await.status, 403);

    let list = bo.get("/console/workspaces").await;
    assert!(
        list.body.contains("Bo&#39;s shop") || list.body.contains("Bo&#x27;s shop"),
        "{}",
        list.body
    );
    assert!(list.body.contains("Acme"));
    let switched = bo
        .post(&format!("/console/workspaces/{}", bos.id), &[])
        .await;
    assert_eq!(switched.status, 303);
    assert_eq!(
        bo.get("/console/keys").await.status,
        200,
        "the owner of his own"
    );
    // Not a workspace of his: nothing to switch to.
    let (other, _) = pollcast_testkit::create_workspace(store.as_ref()).await;
    bo.get("/console/workspaces").await;
    assert_eq!(
        bo.post(&format!("/console/workspaces/{other}"), &[])
            .await
            .status,
        404
    );
}

/// Bad input in every form: the form (or a page that says why) in HTML, never a 500 or JSON.
#[actix_web::test]
async fn bad_input_in_every_form_gets_html_back_never_a_500() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), pollcast::services);
    let mut owner = Browser::new(&app);
    owner.sign_up("owner@example.com", PASSWORD).await;
    let id = poll_id_of(&owner.create_poll(&ranked_poll("Fine")).await.location);
    let long = "x".repeat(5000);
    let junk: Vec<Vec<(&str, &str)>> = vec![
        vec![],
        vec![
            ("question", "\u{0}\u{202e}<b>"),
            ("kind", "telepathy"),
            ("scale", "-1"),
        ],
        vec![
            ("question", &long),
            ("option_label", &long),
            ("option_id", "../../etc"),
        ],
        vec![
            ("kind", "rating"),
            ("scale", "7"),
            ("opens_at", "yesterday"),
            ("closes_at", "2020-01-01T00:00"),
        ],
        vec![
            ("kind", "multiple"),
            ("min_choices", "9"),
            ("max_choices", "99999999999999999999"),
            ("close_after_votes", "0"),
        ],
        vec![
            ("embed_origins", "javascript:alert(1)\nftp://x"),
            ("results_visibility", "sometimes"),
            ("dedupe", "dna"),
        ],
        vec![
            ("role", "emperor"),
            ("name", ""),
            ("scopes", "root"),
            ("url", "http://169.254.169.254/"),
            ("events", "poll.exploded"),
        ],
    ];
    let forms = [
        "/console/polls".to_owned(),
        format!("/console/polls/{id}/edit"),
        "/console/keys".into(),
        "/console/members/invite".into(),
        "/console/members/acc_nobody/role".into(),
        "/console/webhooks".into(),
        "/console/signup".into(),
        "/console/signin".into(),
        "/console/join/not-a-token".into(),
        format!("/console/polls/{id}/explode"),
        "/console/keys/key_nothing/revoke".into(),
        "/console/webhooks/wh_nothing/test".into(),
        "/console/workspaces/ws_nothing".into(),
    ];
    for path in &forms {
        for fields in &junk {
            owner.get("/console/polls/new").await;
            let answer = owner.post(path, fields).await;
            assert!(answer.status < 500, "{path} {fields:?}: {}", answer.status);
            if answer.status != 303 {
                assert!(
                    answer.content_type.starts_with("text/html"),
                    "{path} {fields:?}: {}",
                    answer.content_type
                );
                assert!(
                    !answer.body.contains("rusqlite") && !answer.body.contains("redis"),
                    "{path}"
                );
            }
        }
    }
    // The poll is as it was.
    assert!(
        owner
            .get(&format!("/console/polls/{id}"))
            .await
            .body
            .contains("<h1 dir=\"auto\">Fine</h1>")
    );
}
