//! The web service over HTTP: the front door, `embed.js`'s caching, oEmbed, the page's
//! security and caching headers, `embed_origins`. (What a browser does with them is
//! `browser.rs`.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use pollcast_testkit::{TestApp, TestEnv, client, create_poll, get_json, simple_poll};
use serde_json::{Value, json};

async fn get(
    app: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, Vec<(String, String)>, String) {
    let mut req = client().get(app.url(path));
    for (k, v) in headers {
        req = req.insert_header((*k, *v));
    }
    let mut res = req.send().await.unwrap();
    let headers = res
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let body = String::from_utf8(res.body().limit(1 << 20).await.unwrap().to_vec()).unwrap();
    (res.status().as_u16(), headers, body)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

async fn patch(app: &TestApp, key: &str, id: &str, body: Value) -> (u16, Value) {
    let mut res = client()
        .patch(app.url(&format!("/v1/polls/{id}")))
        .bearer_auth(key)
        .send_json(&body)
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[actix_web::test]
async fn the_front_door_and_embed_js_are_served_with_their_caching() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), pollcast::services);
    let (status, headers, body) = get(&app, "/", &[("Accept-Language", "fr")]).await;
    assert_eq!(status, 200);
    assert!(header(&headers, "content-type").starts_with("text/html"));
    assert!(body.contains("lang=\"fr\"") && body.contains("/embed/v1.js"));
    // A fresh install says how to set it up, and the page is not kept while it is fresh.
    let (_, headers, body) = get(&app, "/", &[]).await;
    assert!(body.contains("setup-token"), "{body}");
    assert!(!body.contains("/console/signin"));
    assert_eq!(header(&headers, "cache-control"), "no-cache");
    let account = pollcast_types::Account {
        id: pollcast_types::AccountId::generate(),
        email: "owner@example.com".into(),
        password_hash: "not used here".into(),
        created_at: pollcast_types::Timestamp::now(),
    };
    let workspace = pollcast_types::Workspace {
        id: pollcast_types::WorkspaceId::generate(),
        name: "w".into(),
        created_at: pollcast_types::Timestamp::now(),
    };
    app.context
        .store
        .sign_up(&account, pollcast_store::Join::First(&workspace))
        .await
        .unwrap();
    // Set up: the way into the console.
    let (_, headers, body) = get(&app, "/", &[]).await;
    assert!(body.contains("/console/polls/new") && body.contains("/console/signin"));
    assert!(!body.contains("setup-token"));
    assert_eq!(header(&headers, "cache-control"), "public, max-age=300");
    // Its links lead somewhere on this server.
    let (status, headers, doc) = get(&app, "/docs/embedding.md", &[]).await;
    assert_eq!(status, 200);
    assert!(header(&headers, "content-type").starts_with("text/markdown"));
    assert!(doc.starts_with("# Embedding a poll"));
    assert_eq!(get(&app, "/docs/../Cargo.toml", &[]).await.0, 404);

    let (status, headers, v1) = get(&app, "/embed/v1.js", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(
        header(&headers, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert!(header(&headers, "content-type").starts_with("text/javascript"));
    let (_, headers, alias) = get(&app, "/embed.js", &[]).await;
    assert_eq!(alias, v1);
    assert_eq!(header(&headers, "cache-control"), "public, max-age=300");
    // The published SRI hash is the served script's.
    let docs = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/embedding.md"
    ))
    .unwrap();
    assert!(docs.contains(&pollcast_web::assets::embed_v1_integrity()));
}

#[actix_web::test]
async fn oembed_answers_rich_embeds_for_polls_of_this_server_only() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), pollcast::services);
    let key = app.admin_key().await;
    let poll = create_poll(&app, &key, simple_poll(2, "none")).await;
    let id = poll["id"].as_str().unwrap();
    let base = app.context.settings.public_url.clone();
    let page_url = format!("{base}/p/{id}");
    let q = |extra: &str| {
        format!(
            "/oembed?url={}{extra}",
            pollcast_web::page::urlencode(&page_url)
        )
    };
    let (status, body) = get_json(&app.url(&q("&maxwidth=320&maxheight=200&format=json"))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["type"], "rich");
    assert_eq!(body["version"], "1.0");
    assert_eq!(body["width"], 320);
    assert_eq!(body["height"], 200);
    assert!(
        body["html"]
            .as_str()
            .unwrap()
            .contains(&format!("data-poll=\"{id}\""))
    );
    assert_eq!(get_json(&app.url(&q("&format=xml"))).await.0, 501);
    let elsewhere = format!(
        "/oembed?url={}",
        pollcast_web::page::urlencode(&format!("https://evil.example/p/{id}"))
    );
    assert_eq!(get_json(&app.url(&elsewhere)).await.0, 404);
    let unknown = format!(
        "/oembed?url={}",
        pollcast_web::page::urlencode(&format!("{base}/p/nosuchpoll1"))
    );
    assert_eq!(get_json(&app.url(&unknown)).await.0, 404);
    // The page points to it.
    let (_, _, html) = get(&app, &format!("/p/{id}"), &[]).await;
    assert!(html.contains(r#"type="application/json+oembed""#));
}

#[actix_web::test]
async fn pages_carry_a_strict_csp_frame_ancestors_from_embed_origins_and_edge_caching() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), pollcast::services);
    let key = app.admin_key().await;
    let poll = create_poll(&app, &key, simple_poll(2, "none")).await;
    let id = poll["id"].as_str().unwrap();

    let (status, headers, _) = get(&app, &format!("/embed/{id}"), &[]).await;
    assert_eq!(status, 200);
    let csp = header(&headers, "content-security-policy").to_owned();
    assert!(csp.contains("script-src 'self'") && csp.contains("style-src 'self'"));
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
    assert!(csp.ends_with("frame-ancestors *"), "{csp}");
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
    assert!(header(&headers, "cache-control").contains("s-maxage="));
    assert!(header(&headers, "cache-control").contains("stale-while-revalidate="));
    let etag = header(&headers, "etag").to_owned();
    assert!(!etag.is_empty());
    let (status, _, _) = get(&app, &format!("/embed/{id}"), &[("If-None-Match", &etag)]).await;
    assert_eq!(status, 304);

    let (status, body) = patch(
        &app,
        &key,
        id,
        json!({"embed_origins": ["https://blog.example", "http://127.0.0.1:8081"]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["embed_origins"][0], "https://blog.example");
    // Other services' poll caches see an edit within a second.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (_, headers, _) = get(&app, &format!("/p/{id}"), &[]).await;
    assert!(
        header(&headers, "content-security-policy")
            .ends_with("frame-ancestors https://blog.example http://127.0.0.1:8081")
    );
    for bad in [
        json!(["https://blog.example/path"]),
        json!(["javascript:alert(1)"]),
        json!(["https://a.example; script-src *"]),
        json!(["*"]),
    ] {
        let (status, body) = patch(&app, &key, id, json!({ "embed_origins": bad })).await;
        assert_eq!(status, 422, "{bad}: {body}");
        assert_eq!(body["code"], "validation_failed");
    }
    let (status, _) = patch(&app, &key, id, json!({"embed_origins": null})).await;
    assert_eq!(status, 200);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (_, headers, _) = get(&app, &format!("/p/{id}"), &[]).await;
    assert!(header(&headers, "content-security-policy").ends_with("frame-ancestors *"));

    // A page with this visitor's vote in it is not for an edge to keep.
    let cookie = format!(
        "pollcast_voted_{id}={}",
        poll["options"][0]["id"].as_str().unwrap()
    );
    let (_, headers, html) = get(&app, &format!("/p/{id}"), &[("Cookie", &cookie)]).await;
    assert_eq!(header(&headers, "cache-control"), "private, no-store");
    assert!(html.contains("id=\"your-choice\""));
}

#[actix_web::test]
async fn a_poll_that_is_not_public_is_an_html_404_in_the_visitors_language() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), pollcast::services);
    let key = app.admin_key().await;
    let mut draft = simple_poll(2, "none");
    draft["draft"] = json!(true);
    let draft = create_poll(&app, &key, draft).await;
    for path in [
        format!("/p/{}", draft["id"].as_str().unwrap()),
        "/embed/nosuchpoll1".to_owned(),
        "/p/..%2F..%2Fetc".to_owned(),
    ] {
        let (status, headers, body) = get(&app, &path, &[("Accept-Language", "de-DE")]).await;
        assert_eq!(status, 404, "{path}");
        assert!(
            header(&headers, "content-type").starts_with("text/html"),
            "{path}"
        );
        assert!(body.contains("Diese Umfrage gibt es nicht"), "{path}");
    }
}
