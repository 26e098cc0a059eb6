//! A short run of each open-model scenario against a real pollcast (with its own
//! redis-server), checking that the reports are written and agree with themselves. Speed is
//! not checked here: that is what the benchmarks are for.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;

use pollcast_testkit::TestEnv;
use serde_json::Value;

fn run_loadgen(base: &str, key: &str, out: &Path, args: &[&str]) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_loadgen"))
        .args(args)
        .args(["--base", base, "--api-key", key, "--out-dir"])
        .arg(out)
        .args(["--server-pid", &std::process::id().to_string()])
        .args(["--source-addrs", "3", "--settle-secs", "20"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "loadgen {args:?} failed\n{stdout}\n{stderr}"
    );
    let scenario = args[0];
    assert!(stdout.starts_with(scenario), "summary: {stdout}");
    let html = std::fs::read_to_string(out.join(format!("{scenario}.html"))).unwrap();
    assert!(html.contains("<svg") && html.contains("Can these numbers be trusted?"));
    serde_json::from_str(&std::fs::read_to_string(out.join(format!("{scenario}.json"))).unwrap())
        .unwrap()
}

/// What every report must satisfy, whatever the speed.
fn assert_consistent(r: &Value) {
    let n = |v: &Value| v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"));
    let timeline = r["timeline"].as_array().unwrap();
    let sum = |field: &str| {
        timeline
            .iter()
            .map(|s| s[field].as_u64().unwrap_or(0))
            .sum::<u64>()
    };
    assert_eq!(sum("due"), n(&r["arrivals"]["due"]));
    assert_eq!(sum("dropped"), n(&r["arrivals"]["dropped"]));
    assert_eq!(
        n(&r["arrivals"]["sent"]),
        n(&r["arrivals"]["due"]) - n(&r["arrivals"]["dropped"])
    );
    let errors: u64 = r["errors"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.as_str() != "dropped_arrival")
        .map(|(_, v)| n(v))
        .sum();
    assert_eq!(
        n(&r["votes"]["accepted"]) + errors,
        n(&r["arrivals"]["sent"]),
        "every sent vote has one outcome"
    );
    assert_eq!(sum("accepted"), n(&r["votes"]["accepted"]));
    assert_eq!(
        n(&r["http_latency_ms"]["count"]),
        n(&r["votes"]["accepted"])
    );
    // Nothing lost, nothing doubled: the pipeline's own promise, checked by the instrument.
    assert_eq!(
        n(&r["votes"]["counted"]),
        n(&r["votes"]["accepted"]),
        "{}",
        r["votes"]
    );
    assert_eq!(
        n(&r["viewers"]["connected_at_end"]),
        n(&r["viewers"]["asked"])
    );
    assert!(r["machine"]["loadgen_cpu_secs"].as_f64().is_some());
    assert!(r["trust"]["warnings"].is_array());
}

#[actix_web::test]
async fn every_scenario_runs_and_writes_consistent_reports() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), pollcast::services);
    // A results-broadcast instance of its own on the same Redis and store, for --live-base.
    let mut broadcast_only = env.opts();
    broadcast_only.services = Some(vec!["results-broadcast".to_owned()]);
    let broadcast = env.spawn_app(broadcast_only, pollcast::services);
    let live_base: &'static str = Box::leak(broadcast.url("").into_boxed_str());
    let key = app.admin_key().await;
    let base = app.url("");
    let out = tempfile::tempdir().unwrap();
    let (base, key, dir) = (base.clone(), key.clone(), out.path().to_owned());
    // loadgen is a separate process; run it off the test's runtime so the app keeps serving.
    let run = move |args: Vec<&'static str>| {
        let (base, key, dir) = (base.clone(), key.clone(), dir.clone());
        tokio::task::spawn_blocking(move || run_loadgen(&base, &key, &dir, &args))
    };

    let steady = run(vec![
        "steady",
        "--rate",
        "200",
        "--duration-secs",
        "2",
        "--polls",
        "5",
        "--voters",
        "300",
        "--viewers",
        "20",
    ])
    .await
    .unwrap();
    assert_consistent(&steady);
    assert!(steady["votes"]["accepted"].as_u64().unwrap() > 300);
    // With 20 viewers every viewer times every vote, so the per-vote figures hold each
    // frame's oldest vote and more, and never exceed the worst of them.
    let per_vote = &steady["vote_to_screen_ms"];
    let frame_worst = &steady["vote_to_screen_frame_worst_ms"];
    assert_eq!(steady["viewers"]["timing_every_vote"], 20);
    assert!(frame_worst["count"].as_u64().unwrap() > 0);
    assert!(per_vote["count"].as_u64().unwrap() >= frame_worst["count"].as_u64().unwrap());
    assert!(per_vote["max"].as_f64().unwrap() <= frame_worst["max"].as_f64().unwrap());
    assert_eq!(steady["profile"]["kind"], "constant");

    let spike = run(vec![
        "spike",
        "--rate",
        "50",
        "--spike-factor",
        "4",
        "--spike-at-secs",
        "1",
        "--spike-hold-secs",
        "1",
        "--duration-secs",
        "4",
        "--voters",
        "400",
        "--viewers",
        "5",
    ])
    .await
    .unwrap();
    assert_consistent(&spike);
    let due: Vec<u64> = spike["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["due"].as_u64().unwrap())
        .collect();
    assert!(due[2] > 3 * due[0], "the peak second is busier: {due:?}");

    let viewers = run(vec!["viewers", "--viewers", "60", "--hold-secs", "1"])
        .await
        .unwrap();
    assert_consistent(&viewers);
    assert_eq!(viewers["arrivals"]["due"], 0);
    assert!(
        viewers["viewers"]["server_rss_kib"]["max"]
            .as_u64()
            .unwrap()
            > 0
    );

    let soak = run(vec![
        "soak",
        "--rate",
        "100",
        "--duration-secs",
        "2",
        "--dedupe",
        "none",
        "--viewers",
        "3",
        "--live-base",
        live_base,
    ])
    .await
    .unwrap();
    assert_consistent(&soak);
    // Its viewers watched the other instance, and saw the votes this one took.
    assert_eq!(soak["config"]["live_base"], live_base);
    assert!(soak["vote_to_screen_ms"]["count"].as_u64().unwrap() > 0);
    assert_eq!(soak["config"]["voters"], 0);
}
