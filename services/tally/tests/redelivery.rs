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
