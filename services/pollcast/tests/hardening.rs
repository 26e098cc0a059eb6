//! The promises that must hold under races and faults: a viewer's status never goes backwards
//! after a close under a vote stream; an edit never races votes in flight; a 503 means the
//! vote was not stored, even when Redis runs it later; a retried vote with an
//! `Idempotency-Key` counts once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use pollcast_testkit::{
    TestApp, TestEnv, create_poll, eventually, get_json, option_ids, post_json, simple_poll,
    vote_log, voter_token,
};
use serde_json::{Value, json};

async fn start(env: &TestEnv) -> TestApp {
    env.spawn_app(env.opts(), pollcast::services)
}

/// Sends votes for `option` from `workers` concurrent loops until `stop`; returns how many
/// were answered 202 and how many 503.
fn vote_stream(
    url: String,
    body: Value,
    workers: usize,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<(u64, u64)> {
    let accepted = Arc::new(AtomicU64::new(0));
    let unavailable = Arc::new(AtomicU64::new(0));
    actix_web::rt::spawn(async move {
        let mut tasks = Vec::new();
        for _ in 0..workers {
            let (url, body, stop) = (url.clone(), body.clone(), stop.clone());
            let (accepted, unavailable) = (accepted.clone(), unavailable.clone());
            tasks.push(actix_web::rt::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let (status, _) = post_json(&url, None, &body).await;
                    match status {
                        202 => accepted.fetch_add(1, Ordering::Relaxed),
                        503 => unavailable.fetch_add(1, Ordering::Relaxed),
                        _ => 0,
                    };
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        (
            accepted.load(Ordering::Relaxed),
            unavailable.load(Ordering::Relaxed),
        )
    })
}

/// Waits for `n` votes to be counted, gives any extra one the time to show, then checks the
/// count and the vote log are exactly `n`.
async fn assert_counted_exactly(app: &TestApp, id: &str, n: u64) {
    eventually(
        Duration::from_secs(20),
        "the votes to be counted",
        || async { (total_votes(app, id).await >= n).then_some(()) },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let logged = vote_log(app.context.store.as_ref(), id).await.len() as u64;
    assert_eq!(
        (total_votes(app, id).await, logged),
        (n, n),
        "(counted, logged)"
    );
}

async fn total_votes(app: &TestApp, id: &str) -> u64 {
    let (_, r) = get_json(&app.url(&format!("/v1/polls/{id}/results"))).await;
    r["total_votes"].as_u64().unwrap_or(u64::MAX)
}

#[actix_web::test]
async fn after_a_close_under_a_vote_stream_no_viewer_sees_open_again() {
    let env = TestEnv::new().await;
    let app = start(&env).await;
    let key = app.admin_key().await;
    for round in 0..3 {
        let poll = create_poll(&app, &key, simple_poll(2, "none")).await;
        let id = poll["id"].as_str().unwrap().to_owned();
        let option = option_ids(&poll)[0].clone();
        let (_, mut ws) = pollcast_testkit::client()
            .ws(app.ws_url(&format!("/v1/polls/{id}/live")))
            .connect()
            .await
            .unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let votes = vote_stream(
            app.url(&format!("/v1/polls/{id}/votes")),
            json!({"option_ids": [option]}),
            8,
            stop.clone(),
        );
        tokio::time::sleep(Duration::from_millis(400)).await;
        let (status, _) = post_json(
            &app.url(&format!("/v1/polls/{id}/close")),
            Some(&key),
            &json!({}),
        )
        .await;
        assert_eq!(status, 200);
        tokio::time::sleep(Duration::from_millis(200)).await;
        stop.store(true, Ordering::Relaxed);
        let (accepted, _) = votes.await.unwrap();

        // Every message until the counts settle: after the first that says closed, none
        // says open, and seq only grows.
        let mut seen_closed = false;
        let mut last_seq = None;
        let mut last_total = 0;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while last_total < accepted {
            let frame = tokio::time::timeout_at(deadline, ws.next())
                .await
                .unwrap_or_else(|_| panic!("round {round}: counts never reached {accepted}"))
                .unwrap()
                .unwrap();
            if let awc::ws::Frame::Ping(p) = &frame {
                ws.send(awc::ws::Message::Pong(p.clone())).await.unwrap();
            }
            let awc::ws::Frame::Text(text) = frame else {
                continue;
            };
            let msg: Value = serde_json::from_slice(&text).unwrap();
            if msg["status"] == "closed" {
                seen_closed = true;
            }
            if msg["type"] == "results" {
                assert!(
                    !(seen_closed && msg["status"] == "open"),
                    "round {round}: open after closed: {msg}"
                );
                let seq = msg["seq"].as_u64().unwrap();
                assert!(
                    last_seq.is_none_or(|last| seq > last),
                    "round {round}: seq went from {last_seq:?} to {seq}"
                );
                last_seq = Some(seq);
                last_total = msg["total_votes"].as_u64().unwrap();
            }
        }
        assert!(seen_closed, "round {round}: the close was never shown");
        assert_eq!(
            last_total, accepted,
            "round {round}: every 202 counted once"
        );
    }
    app.stop().await;
}

#[actix_web::test]
async fn removing_an_option_never_races_the_votes_for_it() {
    let env = TestEnv::new().await;
    let app = start(&env).await;
    let key = app.admin_key().await;
    let mut patched = 0;
    for round in 0..6 {
        let poll = create_poll(&app, &key, simple_poll(3, "none")).await;
        let id = poll["id"].as_str().unwrap().to_owned();
        let options = option_ids(&poll);
        let edit = {
            let (url, key) = (app.url(&format!("/v1/polls/{id}")), key.clone());
            let body = json!({"options": [{"id": options[0], "label": "a"}, {"id": options[1], "label": "b"}]});
            actix_web::rt::spawn(async move {
                let mut res = pollcast_testkit::client()
                    .patch(url)
                    .bearer_auth(&key)
                    .send_json(&body)
                    .await
                    .unwrap();
                let _ = res.body().await;
                res.status().as_u16()
            })
        };
        // Round 0 edits first: vote-ingest's poll cache still has the removed option, and
        // the ingest script must refuse what the cache lets through. Later rounds race the
        // edit against votes already streaming for the option it removes.
        let (early, edit) = if round == 0 {
            (Some(edit.await.unwrap()), None)
        } else {
            (None, Some(edit))
        };
        let stop = Arc::new(AtomicBool::new(false));
        let doomed = vote_stream(
            app.url(&format!("/v1/polls/{id}/votes")),
            json!({"option_ids": [options[2]]}),
            6,
            stop.clone(),
        );
        let kept = vote_stream(
            app.url(&format!("/v1/polls/{id}/votes")),
            json!({"option_ids": [options[0]]}),
            2,
            stop.clone(),
        );
        let status = match (early, edit) {
            (Some(status), _) => status,
            (None, Some(edit)) => edit.await.unwrap(),
            (None, None) => unreachable!(),
        };
        tokio::time::sleep(Duration::from_millis(300)).await;
        stop.store(true, Ordering::Relaxed);
        let (doomed_accepted, _) = doomed.await.unwrap();
        let (kept_accepted, _) = kept.await.unwrap();
        match status {
            200 => {
                patched += 1;
                assert_eq!(
                    doomed_accepted, 0,
                    "round {round}: the edit removed an option that had accepted votes"
                );
            }
            409 => assert!(doomed_accepted > 0, "round {round}: 409 without votes"),
            other => panic!("round {round}: PATCH answered {other}"),
        }
        let all = doomed_accepted + kept_accepted;
        eventually(Duration::from_secs(15), "every 202 counted", || async {
            (total_votes(&app, &id).await == all).then_some(())
        })
        .await;
        let (_, results) = get_json(&app.url(&format!("/v1/polls/{id}/results"))).await;
        let sum: u64 = results["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["votes"].as_u64().unwrap())
            .sum();
        assert_eq!(
            sum, all,
            "round {round}: options add up to the total: {results}"
        );
    }
    assert!(patched > 0, "no round removed the option");
    app.stop().await;
}

fn signal(pid: u32, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {sig} {pid}");
}

#[actix_web::test]
async fn votes_answered_503_while_redis_is_paused_count_once_when_retried_with_their_key() {
    let env = TestEnv::new().await;
    let app = start(&env).await;
    let key = app.admin_key().await;
    let poll = create_poll(&app, &key, simple_poll(2, "none")).await;
    let id = poll["id"].as_str().unwrap().to_owned();
    let option = option_ids(&poll)[0].clone();
    let body = json!({"option_ids": [option]});
    // 10 voters, each vote with its own Idempotency-Key; every answer is recorded.
    let stop = Arc::new(AtomicBool::new(false));
    let answers = Arc::new(std::sync::Mutex::new(Vec::<(String, u16)>::new()));
    let mut voters = Vec::new();
    for w in 0..10 {
        let (app_url, body, stop, answers) = (
            app.url(&format!("/v1/polls/{id}/votes")),
            body.clone(),
            stop.clone(),
            answers.clone(),
        );
        voters.push(actix_web::rt::spawn(async move {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let key = format!("v{w}-{i}");
                let status = post_with_key(&app_url, &key, &body).await;
                answers.lock().unwrap().push((key, status));
                i += 1;
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pid = env.redis.server.pid().unwrap();
    signal(pid, "-STOP");
    tokio::time::sleep(Duration::from_secs(3)).await;
    signal(pid, "-CONT");
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    for v in voters {
        v.await.unwrap();
    }
    let answers = std::mem::take(&mut *answers.lock().unwrap());
    let refused: Vec<&String> = answers
        .iter()
        .filter(|(_, s)| *s == 503)
        .map(|(k, _)| k)
        .collect();
    assert!(
        !refused.is_empty(),
        "the pause must have refused some votes"
    );
    assert!(
        answers.iter().all(|(_, s)| *s == 202 || *s == 503),
        "only 202 or 503"
    );
    // No request hung: each was answered (3 s at most during the pause) and the stream went on.
    // A client retries a 503 under the same key, as the docs tell it to: the vote then counts
    // exactly once, whether or not Redis had stored it before the pause cut the reply off.
    let url = app.url(&format!("/v1/polls/{id}/votes"));
    for key in &refused {
        assert_eq!(post_with_key(&url, key, &body).await, 202, "retry of {key}");
    }
    // Each of the votes, the retried ones included, counts exactly once.
    assert_counted_exactly(&app, &id, answers.len() as u64).await;
    app.stop().await;
}

async fn post_with_key(url: &str, key: &str, body: &Value) -> u16 {
    pollcast_testkit::client()
        .post(url)
        .insert_header(("Idempotency-Key", key))
        .send_json(body)
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn vote_with_key(app: &TestApp, id: &str, key: &str, body: &Value) -> (u16, Value, bool) {
    let mut res = pollcast_testkit::client()
        .post(app.url(&format!("/v1/polls/{id}/votes")))
        .insert_header(("Idempotency-Key", key))
        .send_json(body)
        .await
        .unwrap();
    let replayed = res.headers().contains_key("idempotent-replayed");
    let body: Value = serde_json::from_slice(&res.body().await.unwrap()).unwrap();
    (res.status().as_u16(), body, replayed)
}

#[actix_web::test]
async fn a_vote_retried_with_its_idempotency_key_counts_once() {
    let env = TestEnv::new().await;
    let app = start(&env).await;
    let key = app.admin_key().await;
    let poll = create_poll(&app, &key, simple_poll(2, "browser")).await;
    let id = poll["id"].as_str().unwrap().to_owned();
    let options = option_ids(&poll);
    let token = voter_token(&app).await;
    let body = json!({"option_ids": [options[0]], "voter_token": token});

    let (status, first, replayed) = vote_with_key(&app, &id, "retry-1", &body).await;
    assert_eq!((status, replayed), (202, false), "{first}");
    // The retry of an accepted vote is its first answer, not `already_voted`.
    let (status, again, replayed) = vote_with_key(&app, &id, "retry-1", &body).await;
    assert_eq!((status, replayed), (202, true), "{again}");
    assert_eq!(again["vote_id"], first["vote_id"]);
    assert_eq!(again["accepted_at"], first["accepted_at"]);
    // The same key for another ballot is refused.
    let other = json!({"option_ids": [options[1]], "voter_token": token});
    let (status, problem, _) = vote_with_key(&app, &id, "retry-1", &other).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (422, Some("idempotency_key_reused"))
    );
    // Without the key, the same voter is a duplicate.
    assert_eq!(
        post_json(&app.url(&format!("/v1/polls/{id}/votes")), None, &body)
            .await
            .0,
        409
    );

    assert_counted_exactly(&app, &id, 1).await;
    app.stop().await;
}

#[actix_web::test]
async fn ingest_sheds_before_redis_is_full_so_tally_can_drain_every_accepted_vote() {
    let env = TestEnv::new().await;
    // Votes pile up with no tally running; Redis gets a small maxmemory above what it uses.
    let mut opts = env.opts();
    opts.services = Some(vec![
        "api".into(),
        "vote-ingest".into(),
        "results-broadcast".into(),
    ]);
    let app = env.spawn_app(opts, pollcast::services);
    let key = app.admin_key().await;
    let poll = create_poll(&app, &key, simple_poll(2, "none")).await;
    let id = poll["id"].as_str().unwrap().to_owned();
    let option = option_ids(&poll)[0].clone();
    let mut conn = app.context.bus.conn();
    let info: String = pollcast_bus::redis::cmd("INFO")
        .arg("memory")
        .query_async(&mut conn)
        .await
        .unwrap();
    let used: u64 = info
        .lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let _: () = pollcast_bus::redis::cmd("CONFIG")
        .arg("SET")
        .arg("maxmemory")
        .arg(used + 3 * 1024 * 1024)
        .arg("maxmemory-policy")
        .arg("noeviction")
        .query_async(&mut conn)
        .await
        .unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let votes = vote_stream(
        app.url(&format!("/v1/polls/{id}/votes")),
        json!({"option_ids": [option]}),
        8,
        stop.clone(),
    );
    // Until ingest has shed for a while (or a bound on the run).
    let url = app.url(&format!("/v1/polls/{id}/votes"));
    let probes_accepted = AtomicU64::new(0);
    eventually(Duration::from_secs(60), "ingest to shed load", || async {
        let (status, body) = post_json(&url, None, &json!({"option_ids": [option]})).await;
        if status == 202 {
            probes_accepted.fetch_add(1, Ordering::Relaxed);
        }
        (status == 503 && body["detail"].as_str().unwrap_or("").contains("shedding")).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    let (streamed, _) = votes.await.unwrap();
    let accepted = streamed + probes_accepted.load(Ordering::Relaxed);
    assert!(accepted > 1000, "only {accepted} accepted before shedding");

    // A tally started now still has room to read, count and drain the whole backlog.
    let mut opts = env.opts();
    opts.services = Some(vec!["tally".into()]);
    let tally = env.spawn_app(opts, pollcast::services);
    eventually(Duration::from_secs(60), "every 202 counted", || async {
        (total_votes(&app, &id).await >= accepted).then_some(())
    })
    .await;
    assert_eq!(total_votes(&app, &id).await, accepted);
    tally.stop().await;
    app.stop().await;
}

#[actix_web::test]
async fn with_the_store_down_votes_are_accepted_and_counted_exactly_once_it_returns() {
    let env = TestEnv::new().await;
    let store = Arc::new(std::sync::OnceLock::new());
    let kept = store.clone();
    let context = env.context_over(env.opts(), move |inner| {
        let switchable = Arc::new(pollcast_testkit::outage::SwitchableStore::new(inner));
        let _ = kept.set(switchable.clone());
        switchable
    });
    let store = store.get().unwrap().clone();
    let app = TestEnv::spawn_on(context, pollcast::services);
    let key = app.admin_key().await;
    let poll = create_poll(&app, &key, simple_poll(2, "none")).await;
    let id = poll["id"].as_str().unwrap().to_owned();
    let options = option_ids(&poll);
    let url = app.url(&format!("/v1/polls/{id}/votes"));
    assert_eq!(
        post_json(&url, None, &json!({"option_ids": [options[0]]}))
            .await
            .0,
        202
    );
    // Each process knows the poll (a process that never saw it cannot check it without
    // the store).
    assert_eq!(
        get_json(&app.url(&format!("/v1/polls/{id}/results")))
            .await
            .0,
        200
    );

    store.take_down();
    tokio::time::sleep(Duration::from_millis(1200)).await; // every poll cache has expired
    for i in 0..50 {
        let (status, body) = post_json(&url, None, &json!({"option_ids": [options[i % 2]]})).await;
        assert_eq!(status, 202, "vote {i} with the store down: {body}");
    }
    // Results and live views keep working from Redis.
    let (status, results) = get_json(&app.url(&format!("/v1/polls/{id}/results"))).await;
    assert_eq!(status, 200, "{results}");
    let (_, mut ws) = pollcast_testkit::client()
        .ws(app.ws_url(&format!("/v1/polls/{id}/live")))
        .connect()
        .await
        .unwrap();
    let first = tokio::time::timeout(Duration::from_secs(5), ws.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(matches!(first, awc::ws::Frame::Text(_)), "{first:?}");
    // tally cannot log the votes, so it does not count them yet (log first, then count).
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(total_votes(&app, &id).await <= 1);

    store.bring_back();
    assert_counted_exactly(&app, &id, 51).await;
    app.stop().await;
}

/// The deadline itself, deterministically: a vote the script runs after its deadline is
/// refused and leaves nothing behind (no entry, no voter mark, no option use).
#[actix_web::test]
async fn the_ingest_script_refuses_a_vote_it_runs_after_its_deadline() {
    use pollcast_bus::redis::AsyncCommands;
    use pollcast_types::{Timestamp, VoteId, VoteRecord};
    use pollcast_vote_ingest::{IngestOutcome, IngestScript};
    let env = TestEnv::new().await;
    let ctx = env.context(env.opts());
    let request: pollcast_types::NewPoll = serde_json::from_value(
        json!({"question": "q", "options": [{"label": "a"}, {"label": "b"}]}),
    )
    .unwrap();
    let mut poll = request
        .into_poll(pollcast_types::WorkspaceId::generate(), 0, Timestamp::now())
        .unwrap();
    poll.shard = 1;
    pollcast_runtime::lifecycle::create(&ctx, &poll)
        .await
        .unwrap();
    let vote = VoteRecord {
        vote_id: VoteId::generate(),
        poll_id: poll.id.clone(),
        option_ids: vec![poll.options[0].id.clone()],
        rating: None,
        voter: Some("voter-hash".into()),
        received_at: Timestamp::now(),
        epoch: 0,
        replaces: None,
        entries: Vec::new(),
    };
    let script = IngestScript::new(ctx.bus.clone());
    let past = Timestamp::from_millis(Timestamp::now().as_millis() - 1);
    let poll = Arc::new(poll);
    let outcome = script
        .append(&poll, &vote, true, past, None, None)
        .await
        .unwrap();
    assert_eq!(outcome, IngestOutcome::Late);
    let keys = ctx.bus.keys();
    let mut conn = ctx.bus.conn();
    let len: usize = conn.xlen(keys.votes_stream(1)).await.unwrap();
    let marked: bool = conn.exists(keys.voted_set(1, &poll.id)).await.unwrap();
    let used: bool = conn.exists(keys.option_uses(1, &poll.id)).await.unwrap();
    assert_eq!((len, marked, used), (0, false, false), "nothing stored");
    let future = Timestamp::from_millis(Timestamp::now().as_millis() + 60_000);
    let outcome = script
        .append(&poll, &vote, true, future, None, None)
        .await
        .unwrap();
    assert!(
        matches!(outcome, IngestOutcome::Appended { .. }),
        "{outcome:?}"
    );
}

/// Votes sent together run in one script call (group commit); each keeps its own checks and
/// its own answer: a limit reached in the middle of a group, a voter twice in one group, a
/// vote past its deadline and one checked against an old poll shape.
#[actix_web::test]
async fn votes_committed_in_one_group_each_get_their_own_answer() {
    use pollcast_types::{Timestamp, VoteId, VoteRecord};
    use pollcast_vote_ingest::{IngestOutcome, IngestScript};
    let env = TestEnv::new().await;
    let ctx = env.context(env.opts());
    let new_poll = |body: Value| {
        let request: pollcast_types::NewPoll = serde_json::from_value(body).unwrap();
        let mut poll = request
            .into_poll(pollcast_types::WorkspaceId::generate(), 0, Timestamp::now())
            .unwrap();
        poll.shard = 2;
        poll
    };
    let limited = new_poll(
        json!({"question": "q", "options": [{"label": "a"}, {"label": "b"}],
        "close_after_votes": 3}),
    );
    let deduped = new_poll(json!({"question": "q", "options": [{"label": "a"}, {"label": "b"}]}));
    for poll in [&limited, &deduped] {
        pollcast_runtime::lifecycle::create(&ctx, poll)
            .await
            .unwrap();
    }
    let vote = |poll: &pollcast_types::Poll, voter: &str| VoteRecord {
        vote_id: VoteId::generate(),
        poll_id: poll.id.clone(),
        option_ids: vec![poll.options[0].id.clone()],
        rating: None,
        voter: Some(voter.into()),
        received_at: Timestamp::now(),
        epoch: 0,
        replaces: None,
        entries: Vec::new(),
    };
    let script = IngestScript::new(ctx.bus.clone());
    let future = Timestamp::from_millis(Timestamp::now().as_millis() + 60_000);
    let past = Timestamp::from_millis(Timestamp::now().as_millis() - 1);
    let mut edited = deduped.clone();
    edited.options.pop();
    let (limited, deduped, edited) = (Arc::new(limited), Arc::new(deduped), Arc::new(edited));
    let mut calls = Vec::new();
    for i in 0..6 {
        calls.push((&limited, vote(&limited, &format!("v{i}")), future));
    }
    for _ in 0..4 {
        calls.push((&deduped, vote(&deduped, "same"), future));
    }
    calls.push((&deduped, vote(&deduped, "late"), past));
    calls.push((&edited, vote(&deduped, "old-shape"), future));
    let outcomes = futures_util::future::join_all(
        calls
            .iter()
            .map(|(poll, vote, deadline)| script.append(poll, vote, true, *deadline, None, None)),
    )
    .await;
    let outcomes: Vec<IngestOutcome> = outcomes.into_iter().map(Result::unwrap).collect();
    let appended = |range: std::ops::Range<usize>| {
        outcomes[range]
            .iter()
            .filter(|o| matches!(o, IngestOutcome::Appended { .. }))
            .count()
    };
    assert_eq!(appended(0..6), 3, "the limit of 3: {outcomes:?}");
    assert!(
        outcomes[3..6].iter().all(|o| *o == IngestOutcome::Closed),
        "{outcomes:?}"
    );
    assert_eq!(appended(6..10), 1, "one vote per voter: {outcomes:?}");
    assert!(
        outcomes[7..10]
            .iter()
            .all(|o| *o == IngestOutcome::AlreadyVoted),
        "{outcomes:?}"
    );
    assert_eq!(outcomes[10], IngestOutcome::Late);
    assert_eq!(outcomes[11], IngestOutcome::Stale);
    let mut conn = ctx.bus.conn();
    let len: usize =
        pollcast_bus::redis::AsyncCommands::xlen(&mut conn, ctx.bus.keys().votes_stream(2))
            .await
            .unwrap();
    assert_eq!(len, 4, "3 + 1 votes in the stream");
}
