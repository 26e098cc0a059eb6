//! The exactly-once primitive, deterministically: the same votes-stream entries delivered to
//! two consumers and committed three times are counted once and logged once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;

use pollcast_bus::entry_fields;
use pollcast_bus::redis::AsyncCommands;
use pollcast_bus::redis::streams::{
    StreamAutoClaimOptions, StreamAutoClaimReply, StreamReadOptions, StreamReadReply,
};
use pollcast_tally::DirtyPolls;
use pollcast_tally::commit::{Committer, Delivered};
use pollcast_testkit::{TestEnv, vote_log};
use pollcast_types::{NewPoll, Timestamp, VoteId, VoteRecord, WorkspaceId};
use pollcast_wire::{
    TALLY_GROUP, TIMELINE_MAX_FIELDS, TIMELINE_MINUTES, VoteEntry, snapshot_from_counts,
};
use tokio_util::sync::CancellationToken;

#[actix_web::test]
async fn a_batch_delivered_twice_and_committed_three_times_counts_once() {
    let env = TestEnv::new().await;
    let ctx = env.context(env.opts());
    let request: NewPoll = serde_json::from_value(serde_json::json!({
        "question": "q", "options": [{"label": "a"}, {"label": "b"}], "dedupe": "none"
    }))
    .unwrap();
    let poll = request
        .into_poll(WorkspaceId::generate(), 1, Timestamp::now())
        .unwrap();
    ctx.store.insert_poll(&poll).await.unwrap();

    let stream = ctx.bus.keys().votes_stream(1);
    let mut conn = ctx.bus.conn();
    let _: () = conn
        .xgroup_create_mkstream(&stream, TALLY_GROUP, "0")
        .await
        .unwrap();
    // Entries as the ingest script appends them (its fields plus the epoch).
    for i in 0..100 {
        let vote = VoteRecord {
            vote_id: VoteId::generate(),
            poll_id: poll.id.clone(),
            option_ids: vec![poll.options[i % 2].id.clone()],
            rating: None,
            voter: None,
            received_at: Timestamp::now(),
            epoch: 0,
            replaces: None,
            entries: Vec::new(),
        };
        let mut fields: Vec<(&str, String)> = VoteEntry {
            vote,
            kind: poll.kind,
            previous: None,
        }
        .to_fields();
        fields.push(("epoch", "0".into()));
        let _: String = conn.xadd(&stream, "*", &fields).await.unwrap();
    }

    // Consumer a reads everything; consumer b then claims it all (as if a had died).
    let read: StreamReadReply = conn
        .xread_options(
            &[&stream],
            &[">"],
            &StreamReadOptions::default()
                .group(TALLY_GROUP, "a")
                .count(1000),
        )
        .await
        .unwrap();
    let as_batch = |entries: Vec<pollcast_bus::redis::streams::StreamId>| -> Vec<Delivered> {
        entries
            .into_iter()
            .map(|e| Delivered {
                shard: 1,
                entry_id: e.id,
                fields: entry_fields(&e.map),
            })
            .collect()
    };
    let a_entries = read.keys.into_iter().next().unwrap().ids;
    assert_eq!(a_entries.len(), 100);
    let claimed: StreamAutoClaimReply = conn
        .xautoclaim_options(
            &stream,
            TALLY_GROUP,
            "b",
            0,
            "0-0",
            StreamAutoClaimOptions::default().count(1000),
        )
        .await
        .unwrap();
    assert_eq!(claimed.claimed.len(), 100);

    // A timeline already full of minutes older than the chart shows (a poll counting for
    // days): counting in a new minute forgets them, so it never grows past its bound.
    let timeline = ctx.bus.keys().timeline(1, &poll.id);
    let minute = Timestamp::now().as_millis() / 60_000;
    let old: Vec<(i64, u64)> = (0..TIMELINE_MAX_FIELDS)
        .map(|m| (minute - 3 * TIMELINE_MINUTES - m, 1))
        .collect();
    let _: () = conn.hset_multiple(&timeline, &old).await.unwrap();

    let committer = Committer::new(ctx.clone());
    let dirty = DirtyPolls::default();
    let never = CancellationToken::new();
    committer
        .commit(as_batch(a_entries.clone()), &dirty, &never)
        .await
        .unwrap();
    committer
        .commit(as_batch(claimed.claimed), &dirty, &never)
        .await
        .unwrap();
    committer
        .commit(as_batch(a_entries), &dirty, &never)
        .await
        .unwrap();

    let hash: HashMap<String, String> = conn
        .hgetall(ctx.bus.keys().counts(1, &poll.id))
        .await
        .unwrap();
    let snapshot = snapshot_from_counts(&poll, &hash);
    assert_eq!(snapshot.total_votes, 100);
    assert_eq!(snapshot.votes_for(&poll.options[0].id), 50);
    assert_eq!(snapshot.votes_for(&poll.options[1].id), 50);
    assert_eq!(snapshot.seq, 100);
    assert_eq!(
        vote_log(ctx.store.as_ref(), poll.id.as_str()).await.len(),
        100
    );
    assert_eq!(dirty.take(), vec![(1, poll.id.clone())]);
    let kept: HashMap<i64, u64> = conn.hgetall(&timeline).await.unwrap();
    assert_eq!(
        kept.values().sum::<u64>(),
        100,
        "only this minute's votes remain"
    );
    assert!(kept.keys().all(|m| *m > minute - TIMELINE_MINUTES));
}

/// The same for open-text ballots, changes among them: each term moves exactly once.
#[actix_web::test]
async fn open_text_entries_and_changes_redelivered_count_once() {
    use pollcast_types::TextEntry;
    use pollcast_wire::Ballot;
    let env = TestEnv::new().await;
    let ctx = env.context(env.opts());
    let request: NewPoll = serde_json::from_value(serde_json::json!({
        "question": "q", "kind": "open_text", "moderation": "none", "vote_change": "while_open"
    }))
    .unwrap();
    let poll = request
        .into_poll(WorkspaceId::generate(), 1, Timestamp::now())
        .unwrap();
    ctx.store.insert_poll(&poll).await.unwrap();
    let stream = ctx.bus.keys().votes_stream(1);
    let mut conn = ctx.bus.conn();
    let _: () = conn
        .xgroup_create_mkstream(&stream, TALLY_GROUP, "0")
        .await
        .unwrap();
    let entry = |word: &str| TextEntry {
        text: word.to_owned(),
        term: Some(word.to_lowercase()),
        held: false,
    };
    let ballot = |voter: usize, words: &[&str]| VoteRecord {
        vote_id: VoteId::generate(),
        poll_id: poll.id.clone(),
        option_ids: Vec::new(),
        rating: None,
        voter: Some(format!("voter{voter}")),
        received_at: Timestamp::now(),
        epoch: 0,
        replaces: None,
        entries: words.iter().map(|w| entry(w)).collect(),
    };
    // 20 voters answer "Alpha", then change to "Beta"; 20 more answer "Alpha" and "Gamma".
    let mut appended: Vec<(VoteRecord, Option<Ballot>)> = Vec::new();
    for v in 0..20 {
        let first = ballot(v, &["Alpha"]);
        let change = ballot(v, &["Beta"]);
        let previous = Ballot::of(&first);
        appended.push((first, None));
        appended.push((change, Some(previous)));
        appended.push((ballot(20 + v, &["Alpha", "Gamma"]), None));
    }
    for (vote, previous) in appended {
        let mut fields = VoteEntry {
            vote,
            kind: poll.kind,
            previous: None,
        }
        .to_fields();
        // As the ingest script appends: the epoch, then the ballot a change replaced.
        fields[0].1.push_str(" 0");
        if let Some(p) = previous {
            fields[0].1.push(' ');
            fields[0].1.push_str(&p.token());
        }
        let _: String = conn.xadd(&stream, "*", &fields).await.unwrap();
    }
    let read: StreamReadReply = conn
        .xread_options(
            &[&stream],
            &[">"],
            &StreamReadOptions::default()
                .group(TALLY_GROUP, "a")
                .count(1000),
        )
        .await
        .unwrap();
    let ids = read.keys.into_iter().next().unwrap().ids;
    assert_eq!(ids.len(), 60);
    let batch = || -> Vec<Delivered> {
        ids.iter()
            .map(|e| Delivered {
                shard: 1,
                entry_id: e.id.clone(),
                fields: entry_fields(&e.map),
            })
            .collect()
    };
    let committer = Committer::new(ctx.clone());
    let dirty = DirtyPolls::default();
    let never = CancellationToken::new();
    for _ in 0..3 {
        committer.commit(batch(), &dirty, &never).await.unwrap();
    }
    let terms: Vec<(String, f64)> = conn
        .zrange_withscores(ctx.bus.keys().terms(1, &poll.id), 0, -1)
        .await
        .unwrap();
    let terms: HashMap<String, u64> = terms.into_iter().map(|(t, n)| (t, n as u64)).collect();
    assert_eq!(
        terms,
        HashMap::from([
            ("alpha".to_owned(), 20),
            ("beta".to_owned(), 20),
            ("gamma".to_owned(), 20)
        ])
    );
    let hash: HashMap<String, String> = conn
        .hgetall(ctx.bus.keys().counts(1, &poll.id))
        .await
        .unwrap();
    assert_eq!(
        hash["total"], "40",
        "a change leaves the voters where they were"
    );
    assert_eq!(hash["entries"], "60");
    assert_eq!(hash["seq"], "60");
    assert_eq!(
        vote_log(ctx.store.as_ref(), poll.id.as_str()).await.len(),
        60
    );
}
