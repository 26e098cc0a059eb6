//! `/v1/openapi.json` serves the checked-in document (which `pollcast-openapi`'s tests keep
//! equal to the one the code generates).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use pollcast_testkit::{TestEnv, get_json, get_page};

#[actix_web::test]
async fn the_api_serves_the_checked_in_openapi_document() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), pollcast::services);
    let (status, served) = get_json(&app.url("/v1/openapi.json")).await;
    assert_eq!(status, 200);
    let checked_in: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../schema/openapi.json"
        ))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(served, checked_in);
    assert!(served["paths"]["/v1/polls/{poll_id}/votes"]["post"].is_object());
}

/// `/docs/api` is the same document as a page: every operation and schema has its anchor,
/// every link inside the page leads somewhere on it, and it runs no script at all, under a
/// CSP without `unsafe-inline`. `/` links to it. (`web/tests/reference.mjs` checks it in a
/// browser: axe-core, keyboard, dark theme.)
#[actix_web::test]
async fn the_api_reference_is_rendered_from_the_same_document() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), pollcast::services);
    let (status, csp, page) = get_page(&app.url("/docs/api")).await;
    assert_eq!(status, 200);
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("script-src"),
        "{csp}"
    );
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(!page.contains("<script"), "the reference runs no script");
    let (_, document) = get_json(&app.url("/v1/openapi.json")).await;
    for item in document["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            let id = op["operationId"].as_str().unwrap();
            assert!(
                page.contains(&format!("id=\"op-{id}\"")),
                "{id} is not on the page"
            );
        }
    }
    for name in document["components"]["schemas"]
        .as_object()
        .unwrap()
        .keys()
    {
        assert!(
            page.contains(&format!("id=\"schema-{name}\"")),
            "schema {name} is not on the page"
        );
    }
    for link in page.split("href=\"#").skip(1) {
        let target = &link[..link.find('"').unwrap()];
        assert!(
            page.contains(&format!("id=\"{target}\"")),
            "#{target} leads nowhere"
        );
    }
    // Markdown is rendered (backticks become code), and the document's text is escaped.
    assert!(page.contains("<code>application/problem+json</code>"));
    let front = pollcast_testkit::get_text(&app.url("/")).await;
    assert!(
        front.contains("/docs/api\""),
        "/ does not link to the reference"
    );
}
