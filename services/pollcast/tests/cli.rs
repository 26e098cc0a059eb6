//! The `pollcast` binary as a user runs it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pollcast_testkit::{ChildGuard, TestEnv, get_json, post_json, simple_poll};

fn pollcast() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pollcast"))
}

#[actix_web::test]
async fn workspace_create_prints_a_key_that_works_once_and_is_stored_hashed() {
    let env = TestEnv::new().await;
    let out = pollcast()
        .args(["workspace", "create", "--name", "acme", "--data-dir"])
        .arg(env.data_path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let field = |name: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_owned())
            .unwrap()
    };
    let (ws, key) = (field("workspace_id:"), field("api_key:"));
    assert!(ws.starts_with("ws_") && key.starts_with("pk_"), "{stdout}");

    let app = env.spawn_app(env.opts(), pollcast::services);
    let (status, poll) = post_json(
        &app.url("/v1/polls"),
        Some(&key),
        &simple_poll(2, "browser"),
    )
    .await;
    assert_eq!(status, 201, "{poll}");
    assert_eq!(poll["workspace_id"], ws.as_str());
    let (status, _) = post_json(
        &app.url("/v1/polls"),
        Some("pk_wrong"),
        &simple_poll(2, "browser"),
    )
    .await;
    assert_eq!(status, 401);

    // Only the hash is on disk.
    pollcast_testkit::assert_not_stored(&env.data_path(), &key);
    app.stop().await;

    let out = pollcast()
        .args(["workspace", "create", "--name", "", "--data-dir"])
        .arg(env.data_path())
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[actix_web::test]
async fn serve_starts_its_own_redis_creates_a_demo_poll_and_stops_cleanly() {
    let dir = tempfile::Builder::new()
        .prefix("pc-serve")
        .tempdir()
        .unwrap();
    let mut child = ChildGuard(
        pollcast()
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let mut port = None;
    let mut page = None;
    let mut key = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.split(" on port ").nth(1) {
            port = Some(rest.trim().parse::<u16>().unwrap());
        }
        if let Some(url) = line.trim().strip_prefix("demo poll page:") {
            page = Some(url.trim().to_owned());
        }
        if line.contains("API key (shown once):") {
            key = line.rsplit(' ').next().map(str::to_owned);
        }
        if line.starts_with("Stop with") {
            break;
        }
    }
    let port = port.expect("the banner names the port");
    let poll_id = page
        .expect("a demo poll")
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    assert!(key.unwrap().starts_with("pk_"));
    let base = format!("http://127.0.0.1:{port}");
    assert_eq!(get_json(&format!("{base}/readyz")).await.0, 200);
    let (status, poll) = get_json(&format!("{base}/v1/polls/{poll_id}")).await;
    assert_eq!(status, 200);
    assert_eq!(poll["question"], "Which launch day?");
    let page = pollcast_testkit::client()
        .get(format!("{base}/p/{poll_id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let socket = dir.path().join("redis").join("redis.sock");
    assert!(
        socket.exists(),
        "its own redis-server listens in the data dir"
    );

    // SIGTERM: a clean exit, and the redis-server child goes with it.
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(s) = child.0.try_wait().unwrap() {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "pollcast did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "{exit}");
    assert!(
        std::os::unix::net::UnixStream::connect(&socket).is_err(),
        "redis-server outlived pollcast"
    );

    // A second start finds the same demo poll and does not print a new key.
    let mut second = ChildGuard(
        pollcast()
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(second.0.stdout.take().unwrap()).lines();
    let mut saw_same = false;
    let mut saw_key = false;
    for line in lines.by_ref() {
        let line = line.unwrap();
        saw_same |= line.contains(&format!("/p/{poll_id}"));
        saw_key |= line.contains("API key");
        if line.starts_with("Stop with") {
            break;
        }
    }
    Command::new("kill")
        .args(["-TERM", &second.id().to_string()])
        .status()
        .unwrap();
    second.0.wait().unwrap();
    assert!(saw_same && !saw_key);
}
