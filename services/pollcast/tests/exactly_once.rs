//! Exactly-once counting under the failures that matter: tally SIGKILLed mid-stream and
//! restarted, and several tally instances at once. tally runs as real child processes
//! (`pollcast serve --services tally`); votes arrive over HTTP through the real vote-ingest.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{HashMap, HashSet};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pollcast_testkit::{
    ChildGuard, TestApp, TestEnv, create_poll, eventually, get_json, get_json_with, option_ids,
    post_json, simple_poll, vote_log,
};
use serde_json::json;

/// A `tally` process over the test's Redis and store.
fn spawn_tally(env: &TestEnv) -> ChildGuard {
    spawn_tally_claiming_after(env, 1000)
}

/// A `tally` that reclaims another consumer's pending votes after `claim_idle_ms`.
fn spawn_tally_claiming_after(env: &TestEnv, claim_idle_ms: u64) -> ChildGuard {
    let claim_idle_ms = claim_idle_ms.to_string();
    ChildGuard(
        Command::new(env!("CARGO_BIN_EXE_pollcast"))
            .args(["serve", "--services", "tally"])
            .args(["--listen", "127.0.0.1:0"])
            .arg("--data-dir")
            .arg(env.data_path())
            .args(["--redis-url", &env.redis_url()])
            .args(env.store_args())
            .args([
                "--shards",
                "4",
                "--claim-idle-ms",
                &claim_idle_ms,
                "--tally-batch",
                "25",
                "--coalesce-ms",
                "50",
            ])
            .env(
                "RUST_LOG",
                std::env::var("TALLY_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            // Logs only when asked for (TALLY_LOG=info): an inherited stderr would also keep the
            // test runner's pipe open if a child ever outlived its test.
            .stderr(if std::env::var_os("TALLY_LOG").is_some() {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .spawn()
            .expect("spawn the tally binary"),
    )
}

fn sigkill(child: &mut ChildGuard) {
    child.sigkill();
}

/// api + vote-ingest + results-broadcast in this process; tally is left to the test.
fn start_without_tally(env: &TestEnv) -> TestApp {
    env.spawn_app(env.opts(), |ctx| {
        vec![
            pollcast_api::Api::new(ctx).into_service(),
            pollcast_vote_ingest::VoteIngest::new(ctx).into_service(),
            pollcast_results_broadcast::ResultsBroadcast::new(ctx).into_service(),
        ]
    })
}

struct Polls {
    ids: Vec<String>,
    options: Vec<Vec<String>>,
    key: String,
}

async fn make_polls(app: &TestApp, n: usize) -> Polls {
    let key = app.admin_key().await;
    let mut ids = Vec::new();
    let mut options = Vec::new();
    for _ in 0..n {
        let poll = create_poll(app, &key, simple_poll(4, "none")).await;
        ids.push(poll["id"].as_str().unwrap().to_owned());
        options.push(option_ids(&poll));
    }
    Polls { ids, options, key }
}

/// What the clients were told was accepted: vote ids and counts per (poll, option).
#[derive(Default)]
struct Accepted {
    vote_ids: HashSet<String>,
    counts: HashMap<(usize, usize), u64>,
}

/// Sends `n` votes, `concurrency` at a time, spread over the polls and options; calls
/// `on_progress` with the number accepted so far after each one.
async fn send_votes(app: &TestApp, polls: &Polls, n: usize, accepted: Arc<Mutex<Accepted>>) {
    use futures_util::StreamExt;
    futures_util::stream::iter(0..n)
        .for_each_concurrent(32, |i| {
            let accepted = accepted.clone();
            let p = (i * 7 + i / 3) % polls.ids.len();
            let o = (i * 13 + i / 5) % 4;
            let url = app.url(&format!("/v1/polls/{}/votes", polls.ids[p]));
            let body = json!({"option_ids": [polls.options[p][o]]});
            async move {
                let (status, res) = post_json(&url, None, &body).await;
                assert_eq!(status, 202, "{res}");
                let mut acc = accepted.lock().unwrap();
                acc.vote_ids
                    .insert(res["vote_id"].as_str().unwrap().to_owned());
                *acc.counts.entry((p, o)).or_default() += 1;
            }
        })
        .await;
}

/// Waits until every poll's results equal what was accepted, then checks they stay so past
/// the reclaim interval (a double count would show up then), and that the vote log holds
/// exactly the accepted votes.
async fn assert_exact(app: &TestApp, polls: &Polls, accepted: &Accepted) {
    let expected_total = |p: usize| {
        (0..4)
            .map(|o| accepted.counts.get(&(p, o)).copied().unwrap_or(0))
            .sum::<u64>()
    };
    for (p, id) in polls.ids.iter().enumerate() {
        let url = app.url(&format!("/v1/polls/{id}/results"));
        let want = expected_total(p);
        eventually(Duration::from_secs(60), "counts to catch up", || async {
            let (_, r) = get_json(&url).await;
            (r["total_votes"].as_u64() == Some(want)).then_some(())
        })
        .await;
    }
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let mut logged = HashSet::new();
    for (p, id) in polls.ids.iter().enumerate() {
        let (_, r) = get_json(&app.url(&format!("/v1/polls/{id}/results"))).await;
        assert_eq!(
            r["total_votes"].as_u64(),
            Some(expected_total(p)),
            "poll {p} total"
        );
        for o in 0..4 {
            assert_eq!(
                r["options"][o]["votes"].as_u64(),
                Some(accepted.counts.get(&(p, o)).copied().unwrap_or(0)),
                "poll {p} option {o}"
            );
        }
        let log = vote_log(app.context.store.as_ref(), id).await;
        assert_eq!(log.len() as u64, expected_total(p), "vote log of poll {p}");
        for v in log {
            assert!(
                logged.insert(v.vote_id.to_string()),
                "vote {} logged twice",
                v.vote_id
            );
        }
    }
    assert_eq!(
        logged, accepted.vote_ids,
        "the vote log holds exactly the accepted votes"
    );
    // And the poll's owner can check it: the audit recounts the log and finds the live counts.
    for (p, id) in polls.ids.iter().enumerate() {
        let (status, audit) =
            get_json_with(&app.url(&format!("/v1/polls/{id}/audit")), &polls.key).await;
        assert_eq!(status, 200, "{audit}");
        assert_eq!(audit["consistent"], true, "poll {p}: {audit}");
        assert_eq!(audit["log_total"].as_u64(), Some(expected_total(p)));
        assert_eq!(audit["live_total"].as_u64(), Some(expected_total(p)));
    }
}

/// Voters who change their minds, as their clients saw it: every accepted ballot with its
/// voter, option and the ballot its answer said it replaced.
#[derive(Default)]
struct Changes {
    ballots: Vec<(usize, usize, String, Option<String>)>,
}

/// A poll whose voters may change their minds (`vote_change: while_open`): four options,
/// or, `open_text`, none (a ballot's "option" o is then the entries `word<o>` and `common`).
async fn make_changing_poll(app: &TestApp, key: &str, open_text: bool) -> (String, Vec<String>) {
    let mut body = if open_text {
        json!({"question": "Words?", "kind": "open_text", "max_entries_per_voter": 2,
               "moderation": "none"})
    } else {
        simple_poll(4, "browser")
    };
    body["vote_change"] = json!("while_open");
    let poll = create_poll(app, key, body).await;
    (poll["id"].as_str().unwrap().to_owned(), option_ids(&poll))
}

/// `voters` voters each cast `ballots` ballots at once (so their changes race each other),
/// cycling through the options.
async fn send_changes(
    app: &TestApp,
    poll: &(String, Vec<String>),
    voters: usize,
    ballots: usize,
    changes: Arc<Mutex<Changes>>,
) {
    use futures_util::StreamExt;
    let mut tokens = Vec::new();
    for _ in 0..voters {
        tokens.push(pollcast_testkit::voter_token(app).await);
    }
    let url = app.url(&format!("/v1/polls/{}/votes", poll.0));
    futures_util::stream::iter(0..voters * ballots)
        .for_each_concurrent(16, |i| {
            let (voter, o) = (i % voters, (i / voters + i) % 4);
            let body = if poll.1.is_empty() {
                json!({"entries": [format!("Word{o}!"), "common"], "voter_token": tokens[voter]})
            } else {
                json!({"option_ids": [poll.1[o]], "voter_token": tokens[voter]})
            };
            let (url, changes) = (url.clone(), changes.clone());
            async move {
                let (status, res) = post_json(&url, None, &body).await;
                assert!(status == 202 || status == 200, "{status} {res}");
                assert_eq!(status == 200, res["replaced"].is_string(), "{res}");
                changes.lock().unwrap().ballots.push((
                    voter,
                    o,
                    res["vote_id"].as_str().unwrap().to_owned(),
                    res["replaced"].as_str().map(str::to_owned),
                ));
            }
        })
        .await;
}

/// Each voter's ballots form one chain (each replaced exactly once, but the last); the
/// counts are those of the last ballots, the total the number of voters; the vote log holds
/// every ballot with what it replaced; the audit agrees.
async fn assert_exact_changes(
    app: &TestApp,
    key: &str,
    poll: &(String, Vec<String>),
    changes: &Changes,
) {
    let replaced: Vec<&String> = changes
        .ballots
        .iter()
        .filter_map(|b| b.3.as_ref())
        .collect();
    let replaced_set: HashSet<&String> = replaced.iter().copied().collect();
    assert_eq!(
        replaced.len(),
        replaced_set.len(),
        "a ballot replaced twice"
    );
    let last: Vec<_> = changes
        .ballots
        .iter()
        .filter(|b| !replaced_set.contains(&b.2))
        .collect();
    let voters: HashSet<usize> = changes.ballots.iter().map(|b| b.0).collect();
    assert_eq!(last.len(), voters.len(), "one current ballot per voter");
    let mut want = [0u64; 4];
    for b in &last {
        want[b.1] += 1;
    }
    let url = app.url(&format!("/v1/polls/{}/results", poll.0));
    eventually(Duration::from_secs(60), "changes to be counted", || async {
        let (_, r) = get_json(&url).await;
        let term = |text: &str| {
            r["terms"].as_array().map_or(0, |terms| {
                terms
                    .iter()
                    .find(|t| t["text"] == text)
                    .and_then(|t| t["count"].as_u64())
                    .unwrap_or(0)
            })
        };
        let got: Vec<u64> = (0..4)
            .map(|o| match poll.1.is_empty() {
                true => term(&format!("Word{o}")),
                false => r["options"][o]["votes"].as_u64().unwrap_or(0),
            })
            .collect();
        // Open text: every current ballot has `common` too, and two entries.
        let entries_right = poll.1.is_empty().then(|| {
            term("common") == voters.len() as u64
                && r["total_entries"].as_u64() == Some(2 * voters.len() as u64)
        });
        (r["total_votes"].as_u64() == Some(voters.len() as u64)
            && got == want
            && entries_right != Some(false))
        .then_some(())
    })
    .await;
    let log = vote_log(app.context.store.as_ref(), &poll.0).await;
    assert_eq!(
        log.len(),
        changes.ballots.len(),
        "every ballot in the vote log, once"
    );
    let told: HashMap<&str, Option<&str>> = changes
        .ballots
        .iter()
        .map(|b| (b.2.as_str(), b.3.as_deref()))
        .collect();
    for v in &log {
        assert_eq!(
            v.replaces.as_ref().map(|r| r.as_str()),
            told[v.vote_id.as_str()],
            "the log says what ballot {} replaced",
            v.vote_id
        );
    }
    let (status, audit) =
        get_json_with(&app.url(&format!("/v1/polls/{}/audit", poll.0)), key).await;
    assert_eq!(status, 200, "{audit}");
    assert_eq!(audit["consistent"], true, "{audit}");
    assert_eq!(audit["log_total"].as_u64(), Some(voters.len() as u64));
}

#[actix_web::test]
async fn tally_killed_mid_stream_and_restarted_counts_exactly() {
    tally_killed_mid_stream(TestEnv::new().await).await;
}

/// The same on ScyllaDB: every kill lands between the vote log's write and the count's.
#[actix_web::test]
async fn tally_killed_mid_stream_counts_exactly_on_scylla() {
    if let Some(env) = TestEnv::scylla("tally_killed_mid_stream_scylla").await {
        tally_killed_mid_stream(env).await;
    }
}

async fn tally_killed_mid_stream(env: TestEnv) {
    let app = start_without_tally(&env);
    let polls = make_polls(&app, 3).await;
    let accepted = Arc::new(Mutex::new(Accepted::default()));

    let changing = make_changing_poll(&app, &polls.key, false).await;
    let changes = Arc::new(Mutex::new(Changes::default()));
    let words = make_changing_poll(&app, &polls.key, true).await;
    let word_changes = Arc::new(Mutex::new(Changes::default()));

    let mut tally = spawn_tally(&env);
    let sender = send_votes(&app, &polls, 3_000, accepted.clone());
    let changer = send_changes(&app, &changing, 40, 6, changes.clone());
    let writer = send_changes(&app, &words, 30, 5, word_changes.clone());
    let killer = async {
        for round in 0..4 {
            tokio::time::sleep(Duration::from_millis(400 + round * 150)).await;
            sigkill(&mut tally);
            tokio::time::sleep(Duration::from_millis(100)).await;
            tally = spawn_tally(&env);
        }
    };
    futures_util::join!(sender, changer, writer, killer);
    let accepted = Arc::try_unwrap(accepted)
        .ok()
        .unwrap()
        .into_inner()
        .unwrap();
    assert_eq!(accepted.vote_ids.len(), 3_000);
    assert_exact(&app, &polls, &accepted).await;
    let changes = Arc::try_unwrap(changes).ok().unwrap().into_inner().unwrap();
    assert_exact_changes(&app, &polls.key, &changing, &changes).await;
    let word_changes = Arc::try_unwrap(word_changes)
        .ok()
        .unwrap()
        .into_inner()
        .unwrap();
    assert_exact_changes(&app, &polls.key, &words, &word_changes).await;
    sigkill(&mut tally);
    app.stop().await;
    env.finish().await;
}

#[actix_web::test]
async fn two_tally_instances_count_exactly() {
    let env = TestEnv::new().await;
    let app = start_without_tally(&env);
    let polls = make_polls(&app, 3).await;
    let accepted = Arc::new(Mutex::new(Accepted::default()));

    let changing = make_changing_poll(&app, &polls.key, false).await;
    let changes = Arc::new(Mutex::new(Changes::default()));
    let words = make_changing_poll(&app, &polls.key, true).await;
    let word_changes = Arc::new(Mutex::new(Changes::default()));
    let mut a = spawn_tally(&env);
    let mut b = spawn_tally(&env);
    futures_util::join!(
        send_votes(&app, &polls, 3_000, accepted.clone()),
        send_changes(&app, &changing, 40, 6, changes.clone()),
        send_changes(&app, &words, 30, 5, word_changes.clone()),
    );
    let accepted = Arc::try_unwrap(accepted)
        .ok()
        .unwrap()
        .into_inner()
        .unwrap();
    assert_exact(&app, &polls, &accepted).await;
    let changes = Arc::try_unwrap(changes).ok().unwrap().into_inner().unwrap();
    assert_exact_changes(&app, &polls.key, &changing, &changes).await;
    let word_changes = Arc::try_unwrap(word_changes)
        .ok()
        .unwrap()
        .into_inner()
        .unwrap();
    assert_exact_changes(&app, &polls.key, &words, &word_changes).await;

    // Both instances took part: the group has two consumers that were delivered votes.
    let mut conn = app.context.bus.conn();
    let mut consumers = HashSet::new();
    for shard in 0..4 {
        let stream = app.context.bus.keys().votes_stream(shard);
        let reply: pollcast_bus::redis::streams::StreamInfoConsumersReply =
            pollcast_bus::redis::AsyncCommands::xinfo_consumers(&mut conn, &stream, "tally")
                .await
                .unwrap();
        consumers.extend(reply.consumers.into_iter().map(|c| c.name));
    }
    assert_eq!(consumers.len(), 2, "{consumers:?}");

    // Coalescing holds across instances: consecutive snapshots of a poll are at least the
    // interval (50 ms here) apart, whichever instance published them, and far fewer than votes.
    let mut entries = Vec::new();
    for shard in 0..4 {
        let reply: pollcast_bus::redis::streams::StreamRangeReply =
            pollcast_bus::redis::AsyncCommands::xrange_all(
                &mut conn,
                app.context.bus.keys().results_stream(shard),
            )
            .await
            .unwrap();
        entries.extend(reply.ids);
    }
    let mut last_at: HashMap<String, u64> = HashMap::new();
    let mut per_poll: HashMap<String, usize> = HashMap::new();
    for entry in entries {
        let fields = pollcast_bus::entry_fields(&entry.map);
        let poll = fields["poll"].clone();
        let at: u64 = entry.id.split('-').next().unwrap().parse().unwrap();
        if let Some(prev) = last_at.insert(poll.clone(), at) {
            assert!(
                at - prev >= 45,
                "two snapshots of {poll} {} ms apart",
                at - prev
            );
        }
        *per_poll.entry(poll).or_default() += 1;
    }
    for (poll, n) in per_poll {
        assert!(
            n < 500,
            "{n} snapshots for about 1000 votes of {poll}: not coalesced"
        );
    }
    sigkill(&mut a);
    sigkill(&mut b);
    app.stop().await;
}

#[actix_web::test]
async fn acknowledged_votes_are_trimmed_and_pending_ones_are_not() {
    let env = TestEnv::new().await;
    let app = start_without_tally(&env);
    let polls = make_polls(&app, 1).await;
    let accepted = Arc::new(Mutex::new(Accepted::default()));
    send_votes(&app, &polls, 200, accepted.clone()).await;

    let mut tally = spawn_tally(&env);
    let accepted = Arc::try_unwrap(accepted)
        .ok()
        .unwrap()
        .into_inner()
        .unwrap();
    assert_exact(&app, &polls, &accepted).await;
    // The trimmer runs every 5 s: everything is acknowledged, so the streams empty out.
    let conn = app.context.bus.conn();
    let keys = app.context.bus.keys().clone();
    eventually(
        Duration::from_secs(15),
        "the votes streams to be trimmed",
        || {
            let mut conn = conn.clone();
            let keys = keys.clone();
            async move {
                let mut total = 0usize;
                for shard in 0..4 {
                    let len: usize = pollcast_bus::redis::AsyncCommands::xlen(
                        &mut conn,
                        keys.votes_stream(shard),
                    )
                    .await
                    .unwrap();
                    total += len;
                }
                (total <= 4).then_some(())
            }
        },
    )
    .await;

    // With tally dead, new votes stay undelivered, and some are delivered to a consumer that
    // dies before acknowledging them (pending): the trimmer of a tally that runs meanwhile
    // (and does not reclaim them yet) must drop neither before they are counted.
    sigkill(&mut tally);
    let more = Arc::new(Mutex::new(Accepted::default()));
    send_votes(&app, &polls, 100, more.clone()).await;
    let more = Arc::try_unwrap(more).ok().unwrap().into_inner().unwrap();
    let mut all = accepted;
    all.vote_ids.extend(more.vote_ids);
    for (k, v) in more.counts {
        *all.counts.entry(k).or_default() += v;
    }
    let mut ghost_conn = app.context.bus.conn();
    let mut ghost_pending = Vec::new();
    for shard in 0..4 {
        let stream = keys.votes_stream(shard);
        let read: pollcast_bus::redis::streams::StreamReadReply =
            pollcast_bus::redis::AsyncCommands::xread_options(
                &mut ghost_conn,
                &[&stream],
                &[">"],
                &pollcast_bus::redis::streams::StreamReadOptions::default()
                    .group(pollcast_wire::TALLY_GROUP, "ghost")
                    .count(10),
            )
            .await
            .unwrap();
        for key in read.keys {
            ghost_pending.extend(key.ids.into_iter().map(|e| (stream.clone(), e.id)));
        }
    }
    assert!(!ghost_pending.is_empty(), "the ghost holds pending votes");
    let mut tally = spawn_tally_claiming_after(&env, 60_000);
    // The trimmer runs every 5 s; give it two passes.
    tokio::time::sleep(Duration::from_secs(11)).await;
    for (stream, id) in &ghost_pending {
        let left: Vec<pollcast_bus::redis::Value> = pollcast_bus::redis::cmd("XRANGE")
            .arg(stream)
            .arg(id)
            .arg(id)
            .query_async(&mut ghost_conn)
            .await
            .unwrap();
        assert_eq!(left.len(), 1, "pending entry {id} of {stream} was trimmed");
    }
    sigkill(&mut tally);
    let mut tally = spawn_tally(&env);
    assert_exact(&app, &polls, &all).await;
    sigkill(&mut tally);
    app.stop().await;
}

/// The audit is a check that can fail: a count moved behind the log's back is found, by the
/// API and by `pollcast audit` (exit 1), and once put right both say consistent (exit 0).
#[actix_web::test]
async fn the_audit_finds_a_count_the_vote_log_does_not_hold() {
    let env = TestEnv::new().await;
    let app = start_without_tally(&env);
    let polls = make_polls(&app, 1).await;
    let accepted = Arc::new(Mutex::new(Accepted::default()));
    let mut tally = spawn_tally(&env);
    send_votes(&app, &polls, 60, accepted.clone()).await;
    let accepted = Arc::try_unwrap(accepted)
        .ok()
        .unwrap()
        .into_inner()
        .unwrap();
    assert_exact(&app, &polls, &accepted).await;

    let poll = &polls.ids[0];
    let audit_cli = || {
        // The id goes after `--`: a poll id may start with `-`.
        Command::new(env!("CARGO_BIN_EXE_pollcast"))
            .args(["audit", "--data-dir"])
            .arg(env.data_path())
            .args(["--redis-url", &env.redis_url()])
            .args(env.store_args())
            .args(["--", poll.as_str()])
            .output()
            .unwrap()
    };
    let out = audit_cli();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["consistent"], true);

    // One vote too many for the first option, as a double count would leave it.
    let stored = app
        .context
        .store
        .poll(&pollcast_types::PollId::parse(poll).unwrap())
        .await
        .unwrap()
        .unwrap();
    let counts = app.context.bus.keys().counts(stored.shard, &stored.id);
    let field = format!("o:{}", polls.options[0][0]);
    let mut conn = app.context.bus.conn();
    let _: i64 = pollcast_bus::redis::AsyncCommands::hincr(&mut conn, &counts, &field, 1)
        .await
        .unwrap();
    let (_, audit) = get_json_with(&app.url(&format!("/v1/polls/{poll}/audit")), &polls.key).await;
    assert_eq!(audit["consistent"], false, "{audit}");
    let line = audit["options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == polls.options[0][0].as_str())
        .unwrap();
    assert_eq!(
        line["live"].as_u64().unwrap(),
        line["log"].as_u64().unwrap() + 1
    );
    assert_eq!(audit_cli().status.code(), Some(1));

    let _: i64 = pollcast_bus::redis::AsyncCommands::hincr(&mut conn, &counts, &field, -1)
        .await
        .unwrap();
    assert_eq!(audit_cli().status.code(), Some(0));
    // Another workspace's key sees no such poll.
    let other = app.admin_key().await;
    let (status, _) = get_json_with(&app.url(&format!("/v1/polls/{poll}/audit")), &other).await;
    assert_eq!(status, 404);
    sigkill(&mut tally);
    app.stop().await;
}
