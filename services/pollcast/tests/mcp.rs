//! The MCP server through rmcp's own client: over streamable HTTP at `/mcp` and over stdio
//! (`pollcast mcp`, a child process). The key's scopes decide the tools offered and callable;
//! a poll is created, voted on and read back through tools; a request without a key is `401`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use pollcast_testkit::{TestApp, TestEnv, post_json};
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use serde_json::{Value, json};

async fn key_with(app: &TestApp, admin: &str, scopes: &[&str]) -> String {
    let (status, created) = post_json(
        &app.url("/v1/api-keys"),
        Some(admin),
        &json!({"name": "assistant", "scopes": scopes}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    created["key"].as_str().unwrap().to_owned()
}

async fn http_client(app: &TestApp, key: &str) -> RunningService<RoleClient, ()> {
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(app.url("/mcp")).auth_header(key),
    );
    ().serve(transport).await.expect("an MCP session")
}

async fn tool_names(client: &RunningService<RoleClient, ()>) -> Vec<String> {
    let mut names: Vec<String> = client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.into_owned())
        .collect();
    names.sort();
    names
}

async fn call(
    client: &RunningService<RoleClient, ()>,
    name: &'static str,
    args: Value,
) -> Result<CallToolResult, rmcp::ServiceError> {
    let Value::Object(args) = args else { panic!() };
    client
        .call_tool(CallToolRequestParams::new(name).with_arguments(args))
        .await
}

fn text_of(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

const READ_TOOLS: [&str; 3] = ["get_poll", "list_polls", "poll_summary"];

#[actix_web::test]
async fn tools_follow_the_key_scopes_and_a_poll_is_run_through_them_over_http() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), pollcast::services);
    let admin = app.admin_key().await;
    let writer = key_with(&app, &admin, &["polls:read", "polls:write"]).await;
    let reader = key_with(&app, &admin, &["polls:read"]).await;

    // No key, no protocol: the API's own 401.
    let mut res = pollcast_testkit::client()
        .post(app.url("/mcp"))
        .insert_header(("Accept", "application/json, text/event-stream"))
        .send_json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "unauthorized");

    let client = http_client(&app, &writer).await;
    let tools = client.list_all_tools().await.unwrap();
    let names = tool_names(&client).await;
    assert_eq!(
        names,
        [
            "close_poll",
            "create_poll",
            "get_poll",
            "list_polls",
            "open_poll",
            "poll_summary",
            "reset_poll"
        ]
    );
    let hint = |name: &str| {
        let t = tools.iter().find(|t| t.name == name).unwrap();
        t.annotations.as_ref().unwrap().is_destructive()
    };
    assert!(hint("reset_poll") && !hint("create_poll") && !hint("get_poll"));

    let created = call(
        &client,
        "create_poll",
        json!({"question": "Tea or coffee?", "options": [{"label": "Tea"}, {"label": "Coffee"}],
               "dedupe": "none"}),
    )
    .await
    .unwrap();
    assert_ne!(created.is_error, Some(true), "{}", text_of(&created));
    let poll = created.structured_content.clone().unwrap();
    let id = poll["id"].as_str().unwrap().to_owned();
    let tea = poll["options"][0]["id"].as_str().unwrap().to_owned();
    let (status, _) = post_json(
        &app.url(&format!("/v1/polls/{id}/votes")),
        None,
        &json!({"option_ids": [tea]}),
    )
    .await;
    assert_eq!(status, 202);
    let read = pollcast_testkit::eventually(
        std::time::Duration::from_secs(10),
        "the vote counted",
        || async {
            let r = call(&client, "get_poll", json!({"poll_id": id}))
                .await
                .unwrap();
            let s = r.structured_content.clone().unwrap();
            (s["results"]["total_votes"] == 1).then_some(s)
        },
    )
    .await;
    assert_eq!(read["poll"]["question"], "Tea or coffee?");
    let summary = call(&client, "poll_summary", json!({"poll_id": id}))
        .await
        .unwrap();
    let text = text_of(&summary);
    assert!(
        text.contains("Tea or coffee?") && text.contains("- Tea: 1 (100%)"),
        "{text}"
    );
    let listed = call(&client, "list_polls", json!({"status": "open"}))
        .await
        .unwrap();
    assert!(
        listed.structured_content.unwrap()["polls"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == id.as_str())
    );
    let closed = call(&client, "close_poll", json!({"poll_id": id}))
        .await
        .unwrap();
    assert_eq!(closed.structured_content.unwrap()["status"], "closed");
    // A problem comes back as the tool's error, with its stable code.
    let missing = call(&client, "get_poll", json!({"poll_id": "nope"}))
        .await
        .unwrap();
    assert_eq!(missing.is_error, Some(true));
    assert!(
        text_of(&missing).starts_with("poll_not_found"),
        "{}",
        text_of(&missing)
    );
    client.cancel().await.unwrap();

    // A read-only key is offered the read tools only, and cannot call a write tool.
    let client = http_client(&app, &reader).await;
    assert_eq!(tool_names(&client).await, READ_TOOLS);
    assert!(
        call(&client, "reset_poll", json!({"poll_id": id}))
            .await
            .is_err()
    );
    let r = call(&client, "get_poll", json!({"poll_id": id}))
        .await
        .unwrap();
    assert_eq!(
        r.structured_content.unwrap()["results"]["total_votes"],
        1,
        "not reset"
    );
    client.cancel().await.unwrap();

    // Another workspace's key sees none of these polls.
    let stranger = app.admin_key().await;
    let client = http_client(&app, &stranger).await;
    let r = call(&client, "get_poll", json!({"poll_id": id}))
        .await
        .unwrap();
    assert!(text_of(&r).starts_with("poll_not_found"), "{}", text_of(&r));
    client.cancel().await.unwrap();
}

#[actix_web::test]
async fn pollcast_mcp_serves_the_same_tools_over_stdio() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), pollcast::services);
    let admin = app.admin_key().await;
    let reader = key_with(&app, &admin, &["polls:read"]).await;
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_pollcast"));
    cmd.arg("mcp")
        .arg("--data-dir")
        .arg(env.data_path())
        .arg("--redis-url")
        .arg(env.redis_url())
        .args(env.store_args())
        .env("POLLCAST_API_KEY", &reader)
        .env("RUST_LOG", "warn");
    let client = ().serve(TokioChildProcess::new(cmd).unwrap()).await.unwrap();
    assert_eq!(tool_names(&client).await, READ_TOOLS);
    let listed = call(&client, "list_polls", json!({})).await.unwrap();
    // The demo poll is not there (no `pollcast serve` made one); the list is the workspace's.
    assert_eq!(listed.structured_content.unwrap()["polls"], json!([]));
    client.cancel().await.unwrap();
    app.stop().await;
}
