//! The widget and the poll page in a real browser: `web/tests/browser.mjs` (Debian's
//! chromium driven by playwright-core, axe-core for accessibility) against the real
//! application started here. Needs node, /usr/bin/chromium and `npm ci` in `web/tests`
//! (`.ci/run` does all three): without them the test says so and passes, unless
//! `POLLCAST_REQUIRE_BROWSER=1` (set in CI), where it fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use pollcast_testkit::TestEnv;

fn web_tests() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/tests")
}

/// Why the browser tests cannot run here, if they cannot.
fn missing() -> Option<String> {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if Command::new("node").arg("--version").output().is_err() {
        return Some("node is not installed".into());
    }
    if !Path::new(&chromium).exists() {
        return Some(format!(
            "{chromium} is missing (apt-get install -y chromium)"
        ));
    }
    if !web_tests().join("node_modules/playwright-core").exists() {
        return Some("web/tests has no node_modules (npm ci --prefix web/tests)".into());
    }
    None
}

/// Runs `web/tests/{script}` against a fresh pollcast; panics with its output if it fails.
async fn run(script: &'static str) {
    if let Some(why) = missing() {
        pollcast_store::test_support::gate::skip("BROWSER", script, &why);
        return;
    }
    let env = TestEnv::new().await;
    // The console renders links from the public URL: give it the port the app will have.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let opts = pollcast_config::Opts {
        listen: Some(format!("127.0.0.1:{port}").parse().unwrap()),
        public_url: Some(format!("http://127.0.0.1:{port}")),
        // The console's webhook goes to the test's own receiver on this machine.
        webhook_allow_http: Some(true),
        webhook_allow_private: Some(vec!["127.0.0.0/8".into()]),
        ..env.opts()
    };
    let app = env.spawn_app(opts, pollcast::services);
    let key = app.admin_key().await;
    let shots = std::env::var("POLLCAST_SCREENSHOTS").map_or_else(
        |_| Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots"),
        PathBuf::from,
    );
    let base = app.base.clone();
    let setup = format!(
        "{base}/console/setup?token={}",
        pollcast_runtime::console_setup::token(&app.context.secret)
    );
    let dir = web_tests();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
            .current_dir(dir)
            .env("BASE", base)
            .env("API_KEY", key)
            .env("SETUP_URL", setup)
            .env("SHOTS", &shots)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "browser tests failed:\n{stderr}\n{stdout}"
    );
}

#[actix_web::test]
async fn the_widget_and_the_poll_page_work_in_a_real_browser() {
    run("browser.mjs").await;
}

#[actix_web::test]
async fn the_console_works_in_a_real_browser() {
    run("console.mjs").await;
}

#[actix_web::test]
async fn protected_polls_solve_their_challenge_while_the_visitor_reads() {
    run("bot_protection.mjs").await;
}

#[actix_web::test]
async fn a_vote_changes_in_the_widget_and_watchers_see_it_move() {
    run("vote_change.mjs").await;
}

#[actix_web::test]
async fn a_word_cloud_moves_live_and_the_owner_hides_a_term() {
    run("open_text.mjs").await;
}

#[actix_web::test]
async fn the_api_reference_reads_by_keyboard_and_passes_axe() {
    run("reference.mjs").await;
}
