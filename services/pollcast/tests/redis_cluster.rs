//! Past one machine's Redis: a real Redis Cluster (3 masters, 3 replicas, `redis-server`
//! processes on loopback joined by `redis-cli --cluster create`) under a split deployment of
//! real processes (2 vote-ingest, 2 tally, 2 results-broadcast, a webhook dispatcher and the
//! api, each `pollcast serve --services ...` with `--redis-wait-replicas 1`), behind a real
//! nginx with `deploy/nginx/`'s routes in front of the pools. Votes and viewers go through
//! nginx. Mid-load the master of a votes shard is SIGKILLed (its replica takes over), then one
//! instance of every service. At the end: every 202 counted exactly once and in the vote log,
//! no viewer saw a total go down, and every accepted vote reached the webhook endpoint.
//!
//! `CLUSTER_ROUNDS` (default 1, the CI run) repeats the faults; the long run's figures are in
//! `docs/scaling.md`. Needs nginx (`.ci/run` installs it): without it the test says SKIPPED,
//! unless POLLCAST_REQUIRE_NGINX=1.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/deployment.rs"]
mod deployment;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use deployment::{
    Load, SPLIT, cast, client, create_poll, create_word_poll, free_port, lost_and_doubled,
    nginx_binary, start_nginx, start_procs, workspace_key,
};
use pollcast_testkit::TestEnv;
use pollcast_testkit::webhook_receiver::start_receiver;
use serde_json::{Value, json};

#[actix_web::test]
async fn a_redis_cluster_failover_and_killed_instances_lose_and_double_nothing() {
    let Some(nginx) = nginx_binary() else {
        pollcast_store::test_support::gate::skip(
            "NGINX",
            "a_redis_cluster_failover_and_killed_instances_lose_and_double_nothing",
            "nginx is not installed (apt-get install -y nginx-light)",
        );
        return;
    };
    let rounds: usize = std::env::var("CLUSTER_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(1);
    let mut env = TestEnv::new().await.with_redis_cluster(3, 1).await;
    let redis_url = env.redis_url();
    let dir = env.data_path();
    let key = workspace_key(&dir, &env.store_args());
    let mut args = env.store_args();
    args.extend(
        [
            "--redis-wait-replicas",
            "1",
            "--trusted-proxies",
            "127.0.0.1",
            "--webhook-allow-http",
            "--webhook-allow-private",
            "127.0.0.0/8",
        ]
        .map(String::from),
    );
    let with_dispatcher = [SPLIT.as_slice(), &[("dispatcher", "webhook-dispatcher")]].concat();
    let mut procs = start_procs(&with_dispatcher, &dir, &redis_url, &args).await;
    let ports = |range: std::ops::Range<usize>| -> Vec<u16> {
        procs[range].iter().map(|p| p.port).collect()
    };
    let nginx_dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let _nginx = start_nginx(
        &nginx,
        nginx_dir.path(),
        port,
        &ports(0..1),
        &ports(1..3),
        &ports(5..7),
    );
    let front = format!("http://127.0.0.1:{port}");

    // Through nginx: the api, a webhook endpoint for every vote, polls on every master.
    let (receiver, receiver_base, receiver_handle) = start_receiver().await;
    let mut res = client()
        .post(format!("{front}/v1/webhooks"))
        .bearer_auth(&key)
        .send_json(&json!({"url": format!("{receiver_base}/votes"), "events": ["vote.created"]}))
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let endpoint: Value = res.json().await.unwrap();
    let endpoint = endpoint["id"].as_str().unwrap().to_owned();
    let mut polls = Vec::new();
    let mut masters = HashSet::new();
    // At least six polls, and until every master holds one (4 shards over 3 masters).
    while polls.len() < 6 || (masters.len() < 3 && polls.len() < 40) {
        // One open-text poll among them: its terms' keys share its shard's slot too.
        let (poll, options) = if polls.is_empty() {
            create_word_poll(&front, &key).await
        } else {
            create_poll(&front, &key).await
        };
        let shard = shard_of(&poll);
        let master = env
            .cluster
            .as_ref()
            .unwrap()
            .master_of(&format!("pc:{{s{shard}}}:votes"))
            .await
            .expect("every slot is served");
        masters.insert(master);
        polls.push((poll, options, shard));
    }
    eprintln!("cluster: polls on {} of the 3 masters", masters.len());
    let victim_shard = polls[0].2;

    let plain: Vec<(String, Vec<String>)> = polls
        .iter()
        .map(|(p, o, _)| (p.clone(), o.clone()))
        .collect();
    let fronts = vec![front.clone()];
    let mut load = Load::start(&plain, &fronts, 6, Duration::from_millis(20), "cl");
    for (poll, _) in &plain {
        load.watch(&front, poll);
        load.watch(&front, poll);
    }

    let mut failovers = Vec::new();
    for round in 0..rounds {
        tokio::time::sleep(Duration::from_secs(3)).await;
        let cluster = env.cluster.as_mut().unwrap();
        let master = cluster
            .master_of(&format!("pc:{{s{victim_shard}}}:votes"))
            .await
            .expect("every slot is served");
        let killed_at = Instant::now();
        cluster.nodes[master].kill();
        // One instance of every service, while the replica takes over.
        for p in [1, 3, 5, 7] {
            procs[p].sigkill();
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        for p in [1, 3, 5, 7] {
            procs[p].start();
        }
        // Failed over: the cluster names the replica as the shard's master.
        loop {
            let now = cluster
                .master_of(&format!("pc:{{s{victim_shard}}}:votes"))
                .await;
            if now.is_some_and(|n| n != master) {
                break;
            }
            assert!(
                killed_at.elapsed() < Duration::from_secs(30),
                "round {round}: no replica took over"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let failover = killed_at.elapsed();
        // The old master comes back as a replica of the new one: until then the shard has
        // no replica, and with `--redis-wait-replicas 1` its votes are refused (503).
        cluster.nodes[master].restart();
        cluster.wait_healthy(Duration::from_secs(30)).await;
        let (poll, options, _) = &polls[0];
        let accepted_before = load.ledger.borrow().accepted.len();
        cast(
            &load.ledger,
            &fronts,
            0,
            poll,
            &options[0],
            format!("probe-{round}"),
        )
        .await;
        assert!(
            load.ledger.borrow().accepted.len() > accepted_before,
            "round {round}: votes on the failed-over shard are accepted again"
        );
        let recovered = killed_at.elapsed();
        eprintln!(
            "cluster round {round}: master {} SIGKILLed with an instance of every service; \
             replica promoted after {} ms, old master back as a replica and votes on its shard \
             accepted after {} ms",
            cluster.nodes[master].port,
            failover.as_millis(),
            recovered.as_millis()
        );
        failovers.push(failover);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (ledger, violations) = load.finish().await;
    let (lost, doubled) = lost_and_doubled(&ledger, &plain, &front, env.store().as_ref()).await;

    // Every accepted vote reached the endpoint (a dispatcher killed between sending and
    // recording a delivery sends it again: at least once, as Standard Webhooks promise).
    let accepted: HashSet<String> = ledger
        .accepted
        .values()
        .map(|(_, _, id)| id.clone())
        .collect();
    let until = Instant::now() + Duration::from_secs(60);
    let (delivered, resent) = loop {
        let mut per_vote: HashMap<String, usize> = HashMap::new();
        for r in receiver.on("/votes") {
            let body: Value = serde_json::from_str(&r.body).unwrap();
            *per_vote
                .entry(body["data"]["vote_id"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
        let delivered: HashSet<String> = per_vote.keys().cloned().collect();
        if accepted.is_subset(&delivered) || Instant::now() > until {
            let resent = per_vote.values().filter(|&&n| n > 1).count();
            break (delivered, resent);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let undelivered = accepted.difference(&delivered).count();
    let worst = failovers.iter().max().copied().unwrap_or_default();
    eprintln!(
        "cluster summary: rounds {rounds}, votes accepted {}, lost {lost}, doubled {doubled}, \
         abandoned {}, hung {}, answers {:?}, worst request {} ms, worst promotion {} ms, \
         viewer violations {}, webhooks undelivered {undelivered}, sent twice {resent}",
        ledger.accepted.len(),
        ledger.abandoned.len(),
        ledger.hung,
        ledger.answers,
        ledger.worst_latency.as_millis(),
        worst.as_millis(),
        violations.len()
    );
    assert_eq!((lost, doubled), (0, 0), "every 202 counted exactly once");
    assert!(
        ledger.abandoned.is_empty(),
        "votes never accepted: {:?}",
        ledger.abandoned
    );
    assert_eq!(ledger.hung, 0, "no request may hang");
    assert!(violations.is_empty(), "{violations:?}");
    assert_eq!(undelivered, 0, "every accepted vote is delivered");
    assert!(
        delivered.is_subset(&accepted),
        "no vote.created for a vote that was not accepted"
    );
    assert!(ledger.accepted.len() > 100, "the load ran");

    // The delivery log, a test delivery and a replay, through nginx: the api process serves
    // them and asks the dispatcher, in a process of its own, through Redis.
    let mut res = client()
        .get(format!("{front}/v1/webhooks/{endpoint}/deliveries?limit=1"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let log: Value = res.json().await.unwrap();
    let delivery = log["data"][0]["delivery_id"].as_str().unwrap().to_owned();
    let before = receiver.on("/votes").len();
    let mut res = client()
        .post(format!("{front}/v1/webhooks/{endpoint}/test"))
        .bearer_auth(&key)
        .send_json(&json!({"event": "poll.closed"}))
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let tested: Value = res.json().await.unwrap();
    assert_eq!(tested["delivered"], true, "{tested}");
    let res = client()
        .post(format!(
            "{front}/v1/webhooks/{endpoint}/deliveries/{delivery}/replay"
        ))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 202);
    let got = receiver
        .wait_for("/votes", before + 2, Duration::from_secs(30))
        .await;
    assert!(
        got[before..]
            .iter()
            .any(|r| r.headers["webhook-id"] == delivery),
        "the replay arrived with its webhook-id"
    );
    receiver_handle.stop(false).await;
    env.finish().await;
}

/// The shard a new poll is stored on, as the api assigns it (the default 4 shards).
fn shard_of(poll: &str) -> u32 {
    pollcast_wire::shard_for(&pollcast_types::PollId::parse(poll).unwrap(), 4)
}
