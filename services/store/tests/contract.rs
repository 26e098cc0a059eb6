#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The store contract: every `Store` implementation must pass this same suite. SQLite always
//! runs; ScyllaDB runs when `SCYLLA_URI` is set.

use pollcast_store::{SqliteStore, Store};
use pollcast_types::{
    ApiKeyId, ApiKeyRecord, KindResults, NewPoll, OptionCount, OptionId, PollId, ResultsSnapshot,
    Scope, ScoreCount, Timestamp, VoteId, VoteRecord, Workspace, WorkspaceId,
};

async fn run_suite(store: &dyn Store) {
    store.ping().await.unwrap();

    // Workspaces and keys.
    let ws = Workspace {
        id: WorkspaceId::generate(),
        name: "acme".into(),
        created_at: Timestamp::now(),
    };
    store.insert_workspace(&ws).await.unwrap();
    let key = ApiKeyRecord {
        id: ApiKeyId::generate(),
        workspace_id: ws.id.clone(),
        name: "first".into(),
        key_hash: format!("hash-{}", ws.id),
        scopes: vec![Scope::PollsRead, Scope::VotesRead],
        created_at: Timestamp::now(),
        revoked_at: None,
    };
    store.insert_api_key(&key).await.unwrap();
    assert_eq!(
        store.api_key_by_hash(&key.key_hash).await.unwrap(),
        Some(key.clone())
    );
    assert_eq!(store.api_key_by_hash("nope").await.unwrap(), None);
    assert_eq!(store.api_key(&key.id).await.unwrap().as_ref(), Some(&key));

    // Keys list newest first, page by cursor, and revoke only within their workspace.
    let mut ids = vec![key.id.clone()];
    for i in 0..4 {
        let k = ApiKeyRecord {
            id: ApiKeyId::generate(),
            key_hash: format!("hash-{i}-{}", ws.id),
            created_at: Timestamp::from_millis(key.created_at.as_millis() + 1 + i),
            ..key.clone()
        };
        store.insert_api_key(&k).await.unwrap();
        ids.push(k.id);
    }
    ids.reverse();
    let first = store.api_keys(&ws.id, None, 3).await.unwrap();
    let last = first.last().unwrap();
    let after = pollcast_store::After {
        created_at: last.created_at.as_millis(),
        id: last.id.to_string(),
    };
    let second = store.api_keys(&ws.id, Some(&after), 3).await.unwrap();
    let listed: Vec<_> = first.iter().chain(&second).map(|k| k.id.clone()).collect();
    assert_eq!(listed, ids);
    let other_ws = WorkspaceId::generate();
    assert!(
        !store
            .revoke_api_key(&other_ws, &key.id, Timestamp::now())
            .await
            .unwrap()
    );
    assert!(
        store
            .api_keys(&other_ws, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .revoke_api_key(&ws.id, &ids[0], Timestamp::now())
            .await
            .unwrap()
    );
    assert!(
        !store
            .revoke_api_key(&ws.id, &ids[0], Timestamp::now())
            .await
            .unwrap(),
        "revoked once"
    );
    assert!(
        store
            .api_key(&ids[0])
            .await
            .unwrap()
            .unwrap()
            .revoked_at
            .is_some()
    );

    // Polls round-trip whole.
    let req: NewPoll = serde_json::from_value(serde_json::json!({
        "question": "Best day?", "options": [{"label": "Mon"}, {"label": "Fri"}],
        "metadata": {"campaign": "spring"}
    }))
    .unwrap();
    let poll = req.into_poll(ws.id.clone(), 2, Timestamp::now()).unwrap();
    store.insert_poll(&poll).await.unwrap();
    assert_eq!(store.poll(&poll.id).await.unwrap(), Some(poll.clone()));
    assert_eq!(store.poll(&PollId::generate()).await.unwrap(), None);
    let mut later = poll.clone();
    later.id = PollId::generate();
    later.created_at = Timestamp::from_millis(poll.created_at.as_millis() + 10);
    store.insert_poll(&later).await.unwrap();
    let listed = store.polls(&ws.id, None, 10).await.unwrap();
    assert_eq!(listed, vec![later.clone(), poll.clone()], "newest first");
    let after = pollcast_store::After {
        created_at: later.created_at.as_millis(),
        id: later.id.to_string(),
    };
    assert_eq!(
        store.polls(&ws.id, Some(&after), 10).await.unwrap(),
        vec![poll.clone()]
    );
    assert!(
        store
            .polls(&WorkspaceId::generate(), None, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // Vote log: idempotent appends, pages in time order across buckets.
    let day = pollcast_types::vote::BUCKET_MILLIS;
    let mut votes: Vec<VoteRecord> = (0..25)
        .map(|i| VoteRecord {
            vote_id: VoteId::generate(),
            poll_id: poll.id.clone(),
            option_ids: vec![poll.options[i % 2].id.clone()],
            rating: None,
            voter: Some(format!("voter-{i}")),
            received_at: Timestamp::now(),
            epoch: 0,
        })
        .collect();
    // One vote from an earlier day, in its own bucket.
    let old_id = uuid_v7_at(Timestamp::now().as_millis() - 3 * day);
    votes.insert(
        0,
        VoteRecord {
            vote_id: old_id,
            poll_id: poll.id.clone(),
            option_ids: vec![],
            rating: None,
            voter: None,
            received_at: Timestamp::now(),
            epoch: 0,
        },
    );
    assert_eq!(store.append_votes(&votes[..10]).await.unwrap(), 10);
    assert_eq!(
        store.append_votes(&votes).await.unwrap(),
        16,
        "redelivery must not duplicate"
    );
    assert_eq!(store.append_votes(&votes).await.unwrap(), 0);

    let mut seen = Vec::new();
    let mut cursor: Option<VoteId> = None;
    loop {
        let page = store
            .votes_page(&poll.id, cursor.as_ref(), 7)
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        cursor = page.last().map(|v| v.vote_id.clone());
        seen.extend(page);
    }
    let mut expected = votes.clone();
    expected.sort_by(|a, b| a.vote_id.cmp(&b.vote_id));
    assert_eq!(seen, expected);
    assert!(
        store
            .votes_page(&PollId::generate(), None, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // Resets drop earlier epochs only.
    let mut next_epoch: Vec<VoteRecord> = votes[..3].to_vec();
    for v in &mut next_epoch {
        v.vote_id = VoteId::generate();
        v.epoch = 1;
    }
    store.append_votes(&next_epoch).await.unwrap();
    assert_eq!(
        store.delete_votes_before_epoch(&poll.id, 1).await.unwrap(),
        26
    );
    let left = store.votes_page(&poll.id, None, 100).await.unwrap();
    assert_eq!(left, next_epoch);

    // Updating and deleting polls.
    let mut edited = poll.clone();
    edited.question = "Edited?".into();
    assert!(store.update_poll(&edited).await.unwrap());
    assert_eq!(store.poll(&poll.id).await.unwrap(), Some(edited.clone()));
    let mut ghost = edited.clone();
    ghost.id = PollId::generate();
    assert!(!store.update_poll(&ghost).await.unwrap());

    // Count snapshots: the newest seq wins.
    let snap = |seq: u64| ResultsSnapshot {
        poll_id: poll.id.clone(),
        seq,
        total_votes: seq,
        options: vec![OptionCount {
            id: OptionId::parse("x").unwrap(),
            votes: seq,
        }],
        updated_at: Timestamp::now(),
        detail: KindResults::Rating {
            distribution: vec![ScoreCount {
                score: 1,
                votes: seq,
            }],
            mean: Some(1.0),
        },
    };
    store.save_results(&snap(5)).await.unwrap();
    store.save_results(&snap(3)).await.unwrap();
    assert_eq!(
        store.results(&poll.id).await.unwrap().map(|s| s.seq),
        Some(5)
    );
    store.save_results(&snap(9)).await.unwrap();
    let latest = store.results(&poll.id).await.unwrap().unwrap();
    assert_eq!(
        (
            latest.seq,
            latest.total_votes,
            latest.options,
            latest.detail
        ),
        (9, 9, snap(9).options, snap(9).detail)
    );
    assert_eq!(store.results(&PollId::generate()).await.unwrap(), None);

    assert!(store.delete_poll(&poll.id).await.unwrap());
    assert!(!store.delete_poll(&poll.id).await.unwrap());
    assert_eq!(store.poll(&poll.id).await.unwrap(), None);
    assert!(
        store
            .votes_page(&poll.id, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.results(&poll.id).await.unwrap(), None);

    // Idempotency keys: reserved once per workspace, answered, or freed for a retry.
    let ws_id = ws.id.clone();
    let at = Timestamp::now();
    assert_eq!(
        store
            .reserve_idempotency_key(&ws_id, "k", "h1", at)
            .await
            .unwrap(),
        None
    );
    let pending = store
        .reserve_idempotency_key(&ws_id, "k", "h1", at)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((pending.request_hash.as_str(), pending.status), ("h1", 0));
    store
        .finish_idempotency_key(&ws_id, "k", Some((201, "{}".into())))
        .await
        .unwrap();
    let done = store
        .reserve_idempotency_key(&ws_id, "k", "h2", at)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            done.request_hash.as_str(),
            done.status,
            done.response.as_str()
        ),
        ("h1", 201, "{}")
    );
    assert_eq!(
        store
            .reserve_idempotency_key(&WorkspaceId::generate(), "k", "h1", at)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .reserve_idempotency_key(&ws_id, "free", "h", at)
            .await
            .unwrap(),
        None
    );
    store
        .finish_idempotency_key(&ws_id, "free", None)
        .await
        .unwrap();
    assert_eq!(
        store
            .reserve_idempotency_key(&ws_id, "free", "h", at)
            .await
            .unwrap(),
        None,
        "freed"
    );
    let day_later = Timestamp::from_millis(at.as_millis() + 86_400_001);
    assert_eq!(
        store
            .reserve_idempotency_key(&ws_id, "k", "h3", day_later)
            .await
            .unwrap(),
        None,
        "expired"
    );

    // Meta.
    assert_eq!(store.meta("demo").await.unwrap(), None);
    store.set_meta("demo", "a").await.unwrap();
    store.set_meta("demo", "b").await.unwrap();
    assert_eq!(store.meta("demo").await.unwrap().as_deref(), Some("b"));

    // A poll change and its event are stored together, or neither is.
    use pollcast_store::PollChange;
    use pollcast_types::EventType;
    let req: NewPoll = serde_json::from_value(serde_json::json!({
        "question": "Outbox?", "options": [{"label": "a"}, {"label": "b"}]
    }))
    .unwrap();
    let mut outboxed = req.into_poll(ws.id.clone(), 0, Timestamp::now()).unwrap();
    let before = store.poll_events(0, 100).await.unwrap().len();
    let now = Timestamp::now();
    assert!(
        !store
            .change_poll(PollChange::Update(&outboxed), EventType::PollUpdated, now)
            .await
            .unwrap(),
        "no such poll: nothing changed"
    );
    assert_eq!(
        store.poll_events(0, 100).await.unwrap().len(),
        before,
        "and no event"
    );
    assert!(
        store
            .change_poll(PollChange::Create(&outboxed), EventType::PollCreated, now)
            .await
            .unwrap()
    );
    outboxed.question = "Outbox, edited?".into();
    assert!(
        store
            .change_poll(PollChange::Update(&outboxed), EventType::PollUpdated, now)
            .await
            .unwrap()
    );
    assert_eq!(
        store.poll(&outboxed.id).await.unwrap().unwrap().question,
        "Outbox, edited?"
    );
    assert!(
        store
            .change_poll(PollChange::Delete(&outboxed), EventType::PollDeleted, now)
            .await
            .unwrap()
    );
    assert_eq!(store.poll(&outboxed.id).await.unwrap(), None);
    let events = store.poll_events(0, 100).await.unwrap();
    let ours: Vec<_> = events.iter().filter(|e| e.poll.id == outboxed.id).collect();
    assert_eq!(
        ours.iter().map(|e| e.event).collect::<Vec<_>>(),
        vec![
            EventType::PollCreated,
            EventType::PollUpdated,
            EventType::PollDeleted
        ]
    );
    assert!(ours.windows(2).all(|w| w[0].seq < w[1].seq));
    assert_eq!(ours[1].poll.question, "Outbox, edited?");
    let last = events.last().unwrap().seq;
    assert_eq!(
        store.forget_poll_events(last).await.unwrap(),
        events.len() as u64
    );
    assert!(store.poll_events(0, 100).await.unwrap().is_empty());
}

/// A UUIDv7 vote id minted at `ms`, for votes in older buckets.
fn uuid_v7_at(ms: i64) -> VoteId {
    let secs = (ms / 1000) as u64;
    let nanos = ((ms % 1000) * 1_000_000) as u32;
    let ts = uuid::Timestamp::from_unix(uuid::NoContext, secs, nanos);
    VoteId::parse(&uuid::Uuid::new_v7(ts).to_string()).unwrap()
}

#[tokio::test]
async fn sqlite_store_meets_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    run_suite(&store).await;
    // Reopening applies no migration twice and keeps the data.
    drop(store);
    let store = SqliteStore::open(dir.path()).unwrap();
    assert_eq!(store.meta("demo").await.unwrap().as_deref(), Some("b"));
}

#[tokio::test]
async fn scylla_store_meets_the_contract() {
    match std::env::var("SCYLLA_URI") {
        Ok(uri) => panic!(
            "SCYLLA_URI={uri} is set, but the ScyllaDB store is not built yet: \
             it lands with the scale-out work (schema/scylla holds its schema)"
        ),
        Err(_) => eprintln!(
            "SKIPPED scylla_store_meets_the_contract: SCYLLA_URI is not set (ScyllaDB cannot run here)"
        ),
    }
}
