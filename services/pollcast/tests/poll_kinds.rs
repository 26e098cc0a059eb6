//! Every poll kind counts exactly: random votes go through the whole pipeline, and the results
//! (over HTTP and the WebSocket) must equal a brute-force recount of the vote log, done here
//! vote by vote without any of the aggregation the services use.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use pollcast_testkit::{
    TestApp, TestEnv, client, create_poll, eventually, get_json, option_ids, post_json,
};
use serde_json::{Value, json};

/// A small deterministic generator, so a failure replays with the same votes.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    /// Skewed: low indexes are much likelier, so rankings share prefixes as real ones do.
    fn skewed(&mut self, n: usize) -> usize {
        self.below(n).min(self.below(n))
    }
}

fn labelled(n: usize) -> Value {
    (0..n)
        .map(|i| json!({"label": format!("Option {i}")}))
        .collect()
}

/// Casts `bodies` as votes, 32 at a time; returns how many got 202.
async fn cast_all(app: &TestApp, poll: &str, bodies: Vec<Value>) -> u64 {
    let url = app.url(&format!("/v1/polls/{poll}/votes"));
    let mut accepted = 0;
    for chunk in bodies.chunks(32) {
        let answers =
            futures_util::future::join_all(chunk.iter().map(|b| post_json(&url, None, b))).await;
        for (status, body) in answers {
            assert_eq!(status, 202, "{body}");
            accepted += 1;
        }
    }
    accepted
}

/// The whole vote log through the API, oldest first.
async fn vote_log(app: &TestApp, key: &str, poll: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor = String::new();
    loop {
        let url = app.url(&format!("/v1/polls/{poll}/votes?limit=200{cursor}"));
        let mut res = client().get(url).bearer_auth(key).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let page: Value = res.json().limit(16 << 20).await.unwrap();
        out.extend(page["data"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => return out,
        }
    }
}

/// `/results` once it has counted `total` votes.
async fn results_at(app: &TestApp, key: &str, poll: &str, total: u64) -> Value {
    let url = app.url(&format!("/v1/polls/{poll}/results"));
    eventually(Duration::from_secs(20), "every vote counted", || {
        let url = url.clone();
        async move {
            let mut res = client().get(url).bearer_auth(key).send().await.ok()?;
            let body: Value = res.json().await.ok()?;
            (body["total_votes"] == total).then_some(body)
        }
    })
    .await
}

/// The newest `results` message a viewer has once it shows `total` votes.
async fn live_at(app: &TestApp, key: &str, poll: &str, total: u64) -> Value {
    let (_, mut ws) = client()
        .ws(app.ws_url(&format!("/v1/polls/{poll}/live")))
        .bearer_auth(key)
        .connect()
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let frame = tokio::time::timeout_at(deadline, ws.next())
            .await
            .expect("the live results reach the total")
            .unwrap()
            .unwrap();
        match frame {
            awc::ws::Frame::Text(text) => {
                let msg: Value = serde_json::from_slice(&text).unwrap();
                if msg["type"] == "results" && msg["total_votes"] == total {
                    return msg;
                }
            }
            awc::ws::Frame::Ping(p) => ws.send(awc::ws::Message::Pong(p)).await.unwrap(),
            _ => {}
        }
    }
}

/// Votes per option id, counted vote by vote.
fn recount_choices(log: &[Value]) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for vote in log {
        for id in vote["option_ids"].as_array().unwrap() {
            *counts.entry(id.as_str().unwrap().to_owned()).or_default() += 1;
        }
    }
    counts
}

fn reported_choices(options: &Value) -> BTreeMap<String, u64> {
    options
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["votes"].as_u64().unwrap() > 0)
        .map(|o| {
            (
                o["id"].as_str().unwrap().to_owned(),
                o["votes"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// Instant runoff the slow way: every round walks every ballot. The rules are the ones
/// `docs/api.md` states; this is an independent reading of them.
fn recount_runoff(options: &[String], log: &[Value]) -> Value {
    let ballots: Vec<Vec<String>> = log
        .iter()
        .map(|v| {
            v["option_ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|id| id.as_str().unwrap().to_owned())
                .collect()
        })
        .collect();
    let mut out: HashSet<String> = HashSet::new();
    let mut history: Vec<BTreeMap<String, u64>> = Vec::new();
    let mut rounds = Vec::new();
    loop {
        let mut tally: BTreeMap<String, u64> = options
            .iter()
            .filter(|o| !out.contains(*o))
            .map(|o| (o.clone(), 0))
            .collect();
        let mut exhausted = 0u64;
        for ballot in &ballots {
            match ballot.iter().find(|o| !out.contains(*o)) {
                Some(o) => *tally.get_mut(o).unwrap() += 1,
                None => exhausted += 1,
            }
        }
        let in_race: Vec<&String> = options.iter().filter(|o| !out.contains(*o)).collect();
        let continuing: u64 = tally.values().sum();
        let tallies: Vec<Value> = in_race
            .iter()
            .map(|o| json!({"id": o, "votes": tally[*o]}))
            .collect();
        let mut round = json!({
            "round": rounds.len() + 1, "tallies": tallies, "exhausted": exhausted,
            "eliminated": [], "winner": null,
        });
        if let Some(w) = in_race.iter().find(|o| tally[**o] * 2 > continuing) {
            round["winner"] = json!(w);
            rounds.push(round);
            return Value::Array(rounds);
        }
        if tally.values().all(|&n| n == tally[in_race[0]]) {
            round["tied"] = json!(in_race);
            rounds.push(round);
            return Value::Array(rounds);
        }
        let zeros: Vec<&String> = in_race.iter().copied().filter(|o| tally[*o] == 0).collect();
        let eliminated: Vec<String> = if zeros.is_empty() {
            let mut candidates: Vec<(usize, &String)> =
                in_race.iter().copied().enumerate().collect();
            // Fewest now, then fewest in the latest earlier round, and so on; then the later.
            candidates.sort_by(|(ia, a), (ib, b)| {
                let mut ka = vec![tally[*a]];
                let mut kb = vec![tally[*b]];
                for h in history.iter().rev() {
                    ka.push(h[*a]);
                    kb.push(h[*b]);
                }
                ka.cmp(&kb).then(ib.cmp(ia))
            });
            vec![candidates[0].1.clone()]
        } else {
            zeros.into_iter().cloned().collect()
        };
        round["eliminated"] = json!(eliminated);
        rounds.push(round);
        out.extend(eliminated);
        history.push(tally);
    }
}

#[actix_web::test]
async fn every_kind_equals_a_brute_force_recount_of_its_vote_log() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), pollcast::services);
    let key = app.admin_key().await;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);

    // single
    let single = create_poll(
        &app,
        &key,
        json!({"question": "One?", "options": labelled(4), "dedupe": "none"}),
    )
    .await;
    let ids = option_ids(&single);
    let bodies = (0..300)
        .map(|_| json!({"option_ids": [ids[rng.skewed(4)]]}))
        .collect();
    let id = single["id"].as_str().unwrap();
    let n = cast_all(&app, id, bodies).await;
    let results = results_at(&app, &key, id, n).await;
    let log = vote_log(&app, &key, id).await;
    assert_eq!(log.len() as u64, n);
    assert_eq!(reported_choices(&results["options"]), recount_choices(&log));
    assert!(results.get("rounds").is_none() && results.get("mean").is_none());

    // multiple, 1 to 3 of 5
    let multiple = create_poll(
        &app,
        &key,
        json!({"question": "Some?", "options": labelled(5), "kind": "multiple",
               "min_choices": 1, "max_choices": 3, "dedupe": "none"}),
    )
    .await;
    let ids = option_ids(&multiple);
    let bodies = (0..300)
        .map(|_| {
            let mut chosen: Vec<&String> = Vec::new();
            for _ in 0..=rng.below(3) {
                let o = &ids[rng.skewed(5)];
                if !chosen.contains(&o) {
                    chosen.push(o);
                }
            }
            json!({ "option_ids": chosen })
        })
        .collect();
    let id = multiple["id"].as_str().unwrap();
    let n = cast_all(&app, id, bodies).await;
    let results = results_at(&app, &key, id, n).await;
    let log = vote_log(&app, &key, id).await;
    assert_eq!(reported_choices(&results["options"]), recount_choices(&log));
    let choices: u64 = recount_choices(&log).values().sum();
    assert!(choices > n, "some votes chose several options");

    // ranked: partial rankings of up to 4 of 6 options
    let ranked = create_poll(
        &app,
        &key,
        json!({"question": "Rank them", "options": labelled(6), "kind": "ranked",
               "max_choices": 4, "dedupe": "none"}),
    )
    .await;
    let ids = option_ids(&ranked);
    let bodies = (0..400)
        .map(|_| {
            let mut ranking: Vec<&String> = Vec::new();
            let len = 1 + rng.below(4);
            while ranking.len() < len {
                // Not skewed here: a flat field needs several rounds to find a majority.
                let o = &ids[rng.below(6)];
                if !ranking.contains(&o) {
                    ranking.push(o);
                }
            }
            json!({ "option_ids": ranking })
        })
        .collect();
    let id = ranked["id"].as_str().unwrap();
    let n = cast_all(&app, id, bodies).await;
    let results = results_at(&app, &key, id, n).await;
    let log = vote_log(&app, &key, id).await;
    let expected = recount_runoff(&ids, &log);
    assert!(
        expected.as_array().unwrap().len() >= 3,
        "the vote needs several rounds: {expected}"
    );
    assert_eq!(results["rounds"], expected);
    let firsts: BTreeMap<String, u64> = log.iter().fold(BTreeMap::new(), |mut m, v| {
        *m.entry(v["option_ids"][0].as_str().unwrap().to_owned())
            .or_default() += 1;
        m
    });
    assert_eq!(
        reported_choices(&results["options"]),
        firsts,
        "options carry first preferences"
    );
    assert_eq!(live_at(&app, &key, id, n).await["rounds"], expected);

    // rating, 1 to 10
    let rating = create_poll(
        &app,
        &key,
        json!({"question": "How was it?", "kind": "rating", "scale": 10, "dedupe": "none"}),
    )
    .await;
    assert_eq!(rating["options"], json!([]));
    let bodies = (0..300)
        .map(|_| json!({"rating": 10 - rng.skewed(10)}))
        .collect();
    let id = rating["id"].as_str().unwrap();
    let n = cast_all(&app, id, bodies).await;
    let results = results_at(&app, &key, id, n).await;
    let log = vote_log(&app, &key, id).await;
    let mut distribution = [0u64; 10];
    for v in &log {
        distribution[v["rating"].as_u64().unwrap() as usize - 1] += 1;
    }
    let expected: Vec<Value> = distribution
        .iter()
        .enumerate()
        .map(|(i, &votes)| json!({"score": i + 1, "votes": votes}))
        .collect();
    assert_eq!(results["distribution"], json!(expected));
    let sum: u64 = log.iter().map(|v| v["rating"].as_u64().unwrap()).sum();
    let mean = results["mean"].as_f64().unwrap();
    assert!((mean - sum as f64 / n as f64).abs() < 0.005, "{mean}");
    let live = live_at(&app, &key, id, n).await;
    assert_eq!(
        (&live["distribution"], &live["mean"]),
        (&results["distribution"], &results["mean"])
    );
}

#[actix_web::test]
async fn votes_that_do_not_fit_their_kind_are_refused_and_not_counted() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), pollcast::services);
    let key = app.admin_key().await;
    let ranked = create_poll(
        &app,
        &key,
        json!({"question": "Rank", "options": labelled(3), "kind": "ranked",
               "min_choices": 2, "dedupe": "none"}),
    )
    .await;
    let rating = create_poll(
        &app,
        &key,
        json!({"question": "Rate", "kind": "rating", "dedupe": "none"}),
    )
    .await;
    assert_eq!(rating["scale"], 5, "rating polls default to 5 points");
    let ids = option_ids(&ranked);
    let vote = |poll: &Value, body: Value| {
        let url = app.url(&format!("/v1/polls/{}/votes", poll["id"].as_str().unwrap()));
        async move {
            let (status, body) = post_json(&url, None, &body).await;
            (status, body["code"].as_str().unwrap_or_default().to_owned())
        }
    };
    let refused = [
        (
            &ranked,
            json!({"option_ids": [ids[0]]}),
            "validation_failed",
        ),
        (
            &ranked,
            json!({"option_ids": [ids[0], ids[0]]}),
            "validation_failed",
        ),
        (
            &ranked,
            json!({"option_ids": [ids[0], "nope"]}),
            "invalid_option",
        ),
        (
            &ranked,
            json!({"option_ids": [ids[0], ids[1]], "rating": 3}),
            "validation_failed",
        ),
        (&rating, json!({"rating": 0}), "validation_failed"),
        (&rating, json!({"rating": 6}), "validation_failed"),
        (&rating, json!({"rating": -1}), "validation_failed"),
        (&rating, json!({}), "validation_failed"),
        (
            &rating,
            json!({"rating": 3, "option_ids": [ids[0]]}),
            "validation_failed",
        ),
        (&rating, json!({"rating": "3"}), "validation_failed"),
    ];
    for (poll, body, code) in refused {
        assert_eq!(
            vote(poll, body.clone()).await,
            (422, code.to_owned()),
            "{body}"
        );
    }
    assert_eq!(
        vote(&ranked, json!({"option_ids": [ids[2], ids[0], ids[1]]}))
            .await
            .0,
        202
    );
    assert_eq!(vote(&rating, json!({"rating": 5})).await.0, 202);
    let ranked_results = results_at(&app, &key, ranked["id"].as_str().unwrap(), 1).await;
    assert_eq!(ranked_results["rounds"][0]["winner"], json!(ids[2]));
    let rating_results = results_at(&app, &key, rating["id"].as_str().unwrap(), 1).await;
    assert_eq!(rating_results["mean"], 5.0);

    // A public GET before any vote shows the empty shapes.
    let fresh = create_poll(
        &app,
        &key,
        json!({"question": "Rate", "kind": "rating", "scale": 10, "dedupe": "none"}),
    )
    .await;
    let (status, body) = get_json(&app.url(&format!(
        "/v1/polls/{}/results",
        fresh["id"].as_str().unwrap()
    )))
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["mean"], Value::Null);
    assert_eq!(body["distribution"].as_array().unwrap().len(), 10);

    // The hosted page asks for what each kind takes.
    let page = |poll: &Value| {
        let url = app.url(&format!("/p/{}", poll["id"].as_str().unwrap()));
        async move {
            let mut res = client().get(url).send().await.unwrap();
            assert_eq!(res.status(), 200);
            String::from_utf8(res.body().await.unwrap().to_vec()).unwrap()
        }
    };
    let html = page(&fresh).await;
    assert_eq!(html.matches(r#"name="rating""#).count(), 10);
    assert!(html.contains(r#"data-kind="rating""#));
    let html = page(&ranked).await;
    // A ranked ballot is the list's order: every option goes with the form, in order, and
    // each has buttons to move it.
    assert_eq!(html.matches(r#"class="rank""#).count(), 3);
    assert_eq!(
        html.matches(r#"type="hidden" name="option_ids""#).count(),
        3
    );
    assert_eq!(html.matches(r#"class="up""#).count(), 3);
}
