//! Open-text polls: entries normalised into terms that count together, stop words out of the
//! cloud, the profanity filter and approve-before-show holding terms for the owner, an owner
//! hiding a term (out of the public results at once, `entry.hidden` in the outbox), the CSV
//! with a row per entry, the audit recounting terms, and each bad entry refused with its code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use pollcast_testkit::{
    TestApp, TestEnv, create_poll, eventually, get_json, get_json_with, post_json, voter_token,
};
use serde_json::{Value, json};

async fn results_when(app: &TestApp, id: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let url = app.url(&format!("/v1/polls/{id}/results"));
    eventually(Duration::from_secs(10), "the results", || async {
        let (_, r) = get_json(&url).await;
        ok(&r).then_some(r)
    })
    .await
}

fn term_count(results: &Value, text: &str) -> Option<u64> {
    results["terms"]
        .as_array()?
        .iter()
        .find(|t| t["text"] == text)
        .and_then(|t| t["count"].as_u64())
}

async fn vote(app: &TestApp, id: &str, entries: Value) -> (u16, Value) {
    let token = voter_token(app).await;
    post_json(
        &app.url(&format!("/v1/polls/{id}/votes")),
        None,
        &json!({"entries": entries, "voter_token": token}),
    )
    .await
}

#[actix_web::test]
async fn entries_count_as_terms_and_the_owner_moderates_them() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), pollcast::services);
    let key = app.admin_key().await;
    let poll = create_poll(
        &app,
        &key,
        json!({"question": "One word for the launch?", "kind": "open_text"}),
    )
    .await;
    assert_eq!(poll["kind"], "open_text");
    assert_eq!(
        (
            &poll["max_length"],
            &poll["max_entries_per_voter"],
            &poll["moderation"],
            &poll["stemming"]
        ),
        (&json!(40), &json!(3), &json!("filter"), &json!(false))
    );
    let id = poll["id"].as_str().unwrap();

    for entries in [
        json!(["Fast!", "reliable"]),
        json!(["fast", "The best"]),
        json!(["  FAST. ", "shit"]),
        json!(["fast", "the"]),
    ] {
        let (status, body) = vote(&app, id, entries).await;
        assert_eq!(status, 202, "{body}");
    }
    let r = results_when(&app, id, |r| r["total_entries"] == 8).await;
    assert_eq!(r["total_votes"], 4);
    // Four spellings of one term; "fast" is the most frequent spelling, so it is shown.
    assert_eq!(term_count(&r, "fast"), Some(4), "{r}");
    assert_eq!(term_count(&r, "reliable"), Some(1));
    // A stop word leaves the cloud ("the" alone is no term); the entry stays.
    assert_eq!(term_count(&r, "The best"), Some(1), "{r}");
    assert_eq!(r["terms"].as_array().unwrap().len(), 3, "{r}");
    assert_eq!(r["options"], json!([]));

    // The filter held the profanity for the owner.
    let terms_url = app.url(&format!("/v1/polls/{id}/terms"));
    let (status, queue) = get_json_with(&terms_url, &key).await;
    assert_eq!(status, 200, "{queue}");
    let states: Vec<(String, String)> = queue["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["term"].as_str().unwrap().to_owned(),
                t["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        states.contains(&("shit".into(), "pending".into())),
        "{queue}"
    );
    assert!(states.contains(&("fast".into(), "shown".into())), "{queue}");

    // Hiding a term takes it out of the public results at once; approving shows one.
    let moderate = app.url(&format!("/v1/polls/{id}/terms/moderate"));
    let (status, hidden) = post_json(
        &moderate,
        Some(&key),
        &json!({"term": "fast", "decision": "hide"}),
    )
    .await;
    assert_eq!(status, 200, "{hidden}");
    assert_eq!(
        (&hidden["state"], &hidden["count"]),
        (&json!("hidden"), &json!(4))
    );
    let (_, r) = get_json(&app.url(&format!("/v1/polls/{id}/results"))).await;
    assert_eq!(term_count(&r, "fast"), None, "hidden at once: {r}");
    assert_eq!(
        r["total_entries"], 8,
        "hidden entries still count as entries"
    );
    // New entries of a hidden term stay hidden.
    assert_eq!(vote(&app, id, json!(["FAST"])).await.0, 202);
    assert_eq!(vote(&app, id, json!(["Reliable"])).await.0, 202);
    let r = results_when(&app, id, |r| r["total_entries"] == 10).await;
    assert_eq!(term_count(&r, "fast"), None, "{r}");
    assert_eq!(term_count(&r, "reliable"), Some(2), "{r}");
    let (status, _) = post_json(
        &moderate,
        Some(&key),
        &json!({"term": "shit", "decision": "approve"}),
    )
    .await;
    assert_eq!(status, 200);
    let (_, r) = get_json(&app.url(&format!("/v1/polls/{id}/results"))).await;
    assert_eq!(term_count(&r, "shit"), Some(1), "approved: {r}");
    let (status, missing) = post_json(
        &moderate,
        Some(&key),
        &json!({"term": "never written", "decision": "hide"}),
    )
    .await;
    assert_eq!((status, &missing["code"]), (404, &json!("not_found")));
    // Another workspace's key sees no such poll.
    let other = app.admin_key().await;
    let (status, _) = get_json_with(&terms_url, &other).await;
    assert_eq!(status, 404);

    // The vote log keeps every entry as written, with its term and whether it was held.
    let (_, page) = get_json_with(&app.url(&format!("/v1/polls/{id}/votes")), &key).await;
    let all: Vec<&Value> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|v| v["entries"].as_array().unwrap())
        .collect();
    assert_eq!(all.len(), 10);
    assert!(all.contains(&&json!({"text": "FAST", "term": "fast", "held": false})));
    assert!(all.contains(&&json!({"text": "the", "term": null, "held": false})));
    assert!(all.contains(&&json!({"text": "shit", "term": "shit", "held": true})));

    // The CSV: a row per entry, with its term and its state now.
    let mut res = pollcast_testkit::client()
        .get(app.url(&format!("/v1/polls/{id}/votes.csv")))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    let csv = String::from_utf8(res.body().await.unwrap().to_vec()).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "vote_id,received_at,entry,term,state,voter");
    assert_eq!(lines.len(), 11, "{csv}");
    assert!(csv.contains(",\"The best\",\"best\",shown,"), "{csv}");
    assert!(csv.contains(",\"Fast\",\"fast\",hidden,"), "{csv}");
    assert!(csv.contains(",\"the\",\"\",stop_words,"), "{csv}");
    assert!(csv.contains(",\"shit\",\"shit\",approved,"), "{csv}");

    // The audit recounts the terms from the log.
    let (_, audit) = get_json_with(&app.url(&format!("/v1/polls/{id}/audit")), &key).await;
    assert_eq!(audit["consistent"], true, "{audit}");
    assert_eq!(audit["terms_differing"], 0, "{audit}");

    // The hide is stored with the poll, for the entry.hidden event the outbox carries.
    let stored = env
        .store()
        .poll(&pollcast_types::PollId::parse(id).unwrap())
        .await
        .unwrap()
        .unwrap();
    let last = stored.last_hidden.unwrap();
    assert_eq!((last.term.as_str(), last.entries), ("fast", 4));
}

#[actix_web::test]
async fn approval_holds_every_term_and_bad_entries_are_refused_with_their_codes() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), pollcast::services);
    let key = app.admin_key().await;
    let poll = create_poll(
        &app,
        &key,
        json!({"question": "Ideas?", "kind": "open_text", "moderation": "approve",
               "max_length": 10, "max_entries_per_voter": 2, "stemming": true}),
    )
    .await;
    let id = poll["id"].as_str().unwrap();
    assert_eq!(vote(&app, id, json!(["Running"])).await.0, 202);
    assert_eq!(vote(&app, id, json!(["runs"])).await.0, 202);
    let r = results_when(&app, id, |r| r["total_entries"] == 2).await;
    assert_eq!(r["terms"], json!([]), "nothing shows before approval: {r}");
    // Stemmed: both are "run".
    let (status, _) = post_json(
        &app.url(&format!("/v1/polls/{id}/terms/moderate")),
        Some(&key),
        &json!({"term": "run", "decision": "approve"}),
    )
    .await;
    assert_eq!(status, 200);
    let (_, r) = get_json(&app.url(&format!("/v1/polls/{id}/results"))).await;
    assert_eq!(r["terms"].as_array().unwrap().len(), 1, "{r}");
    assert_eq!(r["terms"][0]["count"], 2, "{r}");

    for (entries, code) in [
        (json!(["much too long"]), "entry_too_long"),
        (json!(["?!"]), "entry_empty"),
        (json!(["  "]), "entry_empty"),
        (json!(["a", "b", "c"]), "too_many_entries"),
        (json!([]), "too_many_entries"),
        (json!(["idea", "Idea!"]), "validation_failed"),
    ] {
        let (status, body) = vote(&app, id, entries.clone()).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (422, Some(code)),
            "{entries}: {body}"
        );
    }
    let token = voter_token(&app).await;
    let (status, body) = post_json(
        &app.url(&format!("/v1/polls/{id}/votes")),
        None,
        &json!({"option_ids": ["x"], "voter_token": token}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("validation_failed"))
    );
    // Nothing refused was stored.
    let r = results_when(&app, id, |r| r["total_entries"] == 2).await;
    assert_eq!(r["total_votes"], 2);

    // Settings that only open text takes are refused elsewhere, and bounds are kept.
    for (body, field) in [
        (
            json!({"question": "q", "options": [{"label": "a"}, {"label": "b"}], "max_length": 5}),
            "max_length",
        ),
        (
            json!({"question": "q", "kind": "open_text", "max_length": 201}),
            "max_length",
        ),
        (
            json!({"question": "q", "kind": "open_text", "max_entries_per_voter": 0}),
            "max_entries_per_voter",
        ),
        (
            json!({"question": "q", "kind": "open_text", "options": [{"label": "a"}, {"label": "b"}]}),
            "options",
        ),
    ] {
        let (status, err) = post_json(&app.url("/v1/polls"), Some(&key), &body).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(err["errors"][0]["field"], field, "{err}");
    }
}

#[actix_web::test]
async fn the_page_takes_entries_without_javascript_and_lists_the_terms() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), pollcast::services);
    let key = app.admin_key().await;
    let poll = create_poll(
        &app,
        &key,
        json!({"question": "One word?", "kind": "open_text", "max_length": 12,
               "max_entries_per_voter": 2}),
    )
    .await;
    let id = poll["id"].as_str().unwrap();
    let page = pollcast_testkit::get_text(&app.url(&format!("/p/{id}"))).await;
    assert_eq!(
        page.matches("name=\"entries\" maxlength=\"12\"").count(),
        2,
        "one input per entry a voter may send"
    );
    let client = awc::Client::builder().disable_redirects().finish();
    let post = |fields: Vec<(&'static str, &'static str)>| {
        let client = client.clone();
        let url = app.url(&format!("/p/{id}/vote"));
        async move {
            let mut res = client.post(url).send_form(&fields).await.unwrap();
            let body = String::from_utf8(res.body().await.unwrap().to_vec()).unwrap();
            (res.status().as_u16(), body)
        }
    };
    // A blank second input is no entry.
    let (status, _) = post(vec![("entries", "Quick!"), ("entries", "")]).await;
    assert_eq!(status, 303);
    // Too long: the page again, with a readable message, and nothing stored.
    let (status, body) = post(vec![("entries", "far too long for it")]).await;
    assert_eq!(status, 422);
    assert!(body.contains("within the length limit"), "{body}");
    let (status, body) = post(vec![("entries", "  "), ("entries", "")]).await;
    assert_eq!(status, 422);
    assert!(body.contains("Write an answer first."), "{body}");
    let r = results_when(&app, id, |r| r["total_entries"] == 1).await;
    assert_eq!(term_count(&r, "Quick"), Some(1), "{r}");
    // The ranked list is in the page, for readers without JavaScript.
    let page = pollcast_testkit::get_text(&app.url(&format!("/p/{id}"))).await;
    assert!(page.contains("<span class=\"term\">Quick</span>"), "{page}");
}

#[actix_web::test]
async fn moderation_can_change_and_a_reset_clears_the_cloud() {
    let env = TestEnv::new().await;
    let app = env.spawn_app(env.opts(), pollcast::services);
    let key = app.admin_key().await;
    let poll = create_poll(
        &app,
        &key,
        json!({"question": "Words?", "kind": "open_text", "moderation": "none"}),
    )
    .await;
    let id = poll["id"].as_str().unwrap();
    assert_eq!(vote(&app, id, json!(["early"])).await.0, 202);
    results_when(&app, id, |r| term_count(r, "early") == Some(1)).await;
    // Approval from now on: what shows keeps showing and counting, new terms wait.
    let (status, patched) = pollcast_testkit::send_json(
        "PATCH",
        &app.url(&format!("/v1/polls/{id}")),
        Some(&key),
        &json!({"moderation": "approve"}),
    )
    .await;
    assert_eq!(
        (status, &patched["moderation"]),
        (200, &json!("approve")),
        "{patched}"
    );
    assert_eq!(vote(&app, id, json!(["early"])).await.0, 202);
    assert_eq!(vote(&app, id, json!(["late"])).await.0, 202);
    let r = results_when(&app, id, |r| r["total_entries"] == 3).await;
    assert_eq!(term_count(&r, "early"), Some(2), "{r}");
    assert_eq!(term_count(&r, "late"), None, "{r}");
    // Only open text takes moderation.
    let other = create_poll(&app, &key, pollcast_testkit::simple_poll(2, "browser")).await;
    let (status, err) = pollcast_testkit::send_json(
        "PATCH",
        &app.url(&format!("/v1/polls/{}", other["id"].as_str().unwrap())),
        Some(&key),
        &json!({"moderation": "approve"}),
    )
    .await;
    assert_eq!(
        (status, &err["errors"][0]["field"]),
        (422, &json!("moderation"))
    );

    let (status, _) = post_json(
        &app.url(&format!("/v1/polls/{id}/reset")),
        Some(&key),
        &json!({}),
    )
    .await;
    assert_eq!(status, 200);
    let (_, r) = get_json(&app.url(&format!("/v1/polls/{id}/results"))).await;
    assert_eq!(
        (&r["terms"], &r["total_entries"]),
        (&json!([]), &json!(0)),
        "{r}"
    );
    let (_, queue) = get_json_with(&app.url(&format!("/v1/polls/{id}/terms")), &key).await;
    assert_eq!(queue["terms"], json!([]), "the reset cleared every term");
}
