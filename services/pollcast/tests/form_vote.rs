//! The poll page's form (no JavaScript): the voter is sent back to a page that already counts
//! their vote, and waiting for that count costs Redis nothing while tally is behind (it waits
//! on tally's notification, never polls).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use pollcast_testkit::{TestApp, TestEnv, create_poll, get_json, option_ids, simple_poll};

/// Posts the page's form; the status and where it leads.
async fn form_vote(app: &TestApp, id: &str, option: &str) -> (u16, String) {
    let client = awc::Client::builder().disable_redirects().finish();
    let res = client
        .post(app.url(&format!("/p/{id}/vote")))
        .send_form(&[("option_ids", option)])
        .await
        .unwrap();
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (res.status().as_u16(), location)
}

/// How many scripts Redis has run so far (`EVALSHA` and `EVAL` calls).
async fn scripts_run(env: &TestEnv) -> u64 {
    let client = pollcast_bus::redis::Client::open(env.redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let info: String = pollcast_bus::redis::cmd("INFO")
        .arg("commandstats")
        .query_async(&mut conn)
        .await
        .unwrap();
    info.lines()
        .filter(|l| l.starts_with("cmdstat_evalsha:") || l.starts_with("cmdstat_eval:"))
        .filter_map(|l| {
            l.split("calls=")
                .nth(1)?
                .split(',')
                .next()?
                .parse::<u64>()
                .ok()
        })
        .sum()
}

#[actix_web::test]
async fn a_form_vote_lands_on_a_page_that_counts_it() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), pollcast::services);
    let key = app.admin_key().await;
    let poll = create_poll(&app, &key, simple_poll(2, "none")).await;
    let id = poll["id"].as_str().unwrap();
    let (status, location) = form_vote(&app, id, &option_ids(&poll)[1]).await;
    assert_eq!(
        (status, location.as_str()),
        (303, format!("/p/{id}").as_str())
    );
    // Counted by the time the voter is sent on: the page they land on shows it.
    let (_, results) = get_json(&app.url(&format!("/v1/polls/{id}/results"))).await;
    assert_eq!(results["total_votes"], 1, "{results}");
    app.stop().await;
}

#[actix_web::test]
async fn waiting_for_a_count_while_tally_is_behind_costs_redis_nothing() {
    let env = TestEnv::new().await;
    let mut opts = env.opts();
    // No tally: the vote is stored, and no count ever comes.
    opts.services = Some(
        pollcast_config::ALL_SERVICES
            .iter()
            .filter(|s| **s != "tally")
            .map(|s| (*s).to_owned())
            .collect(),
    );
    let app = env.spawn_app(opts, pollcast::services);
    let key = app.admin_key().await;
    let poll = create_poll(&app, &key, simple_poll(2, "none")).await;
    let id = poll["id"].as_str().unwrap();
    let option = option_ids(&poll)[0].clone();
    // Tally's group, as a tally that is down left it: the vote is read by nobody.
    let client = pollcast_bus::redis::Client::open(env.redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    for s in 0..app.context.settings.shards {
        let _: Result<String, _> = pollcast_bus::redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(app.context.bus.keys().votes_stream(s))
            .arg(pollcast_wire::TALLY_GROUP)
            .arg("$")
            .arg("MKSTREAM")
            .query_async(&mut conn)
            .await;
    }
    // What the other services run by themselves in the same time, for comparison.
    let idle = scripts_run(&env).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let idle = scripts_run(&env).await - idle;
    let before = scripts_run(&env).await;
    let started = Instant::now();
    let (status, _) = form_vote(&app, id, &option).await;
    let waited = started.elapsed();
    let scripts = (scripts_run(&env).await - before).saturating_sub(idle);
    assert_eq!(status, 303);
    assert!(
        waited >= Duration::from_millis(1400),
        "it waited for the count ({waited:?})"
    );
    // Storing the vote and one look whether it is counted: a loop every 20 ms for 1.5 s would
    // be some seventy more.
    assert!(
        scripts <= 20,
        "{scripts} scripts more than idle ({idle}) ran while one form vote waited"
    );
    app.stop().await;
}
