#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The store contract: every `Store` implementation must pass this same suite, the one
//! definition of their behaviour. SQLite always runs; ScyllaDB (or any CQL server) when
//! `SCYLLA_URI` is set, each run in a keyspace of its own (mandatory in CI).

use pollcast_store::test_support::ScyllaForTest;
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
    assert_eq!(store.workspace(&ws.id).await.unwrap(), Some(ws.clone()));
    assert_eq!(
        store.workspace(&WorkspaceId::generate()).await.unwrap(),
        None
    );
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
            replaces: None,
            entries: Vec::new(),
        })
        .collect();
    // A voter's changed ballot names the one it replaced.
    votes[24].replaces = Some(votes[3].vote_id.clone());
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
            replaces: None,
            entries: Vec::new(),
        },
    );
    store.append_votes(&votes[..10]).await.unwrap();
    // Redelivery, whole and in part, must not duplicate.
    store.append_votes(&votes).await.unwrap();
    store.append_votes(&votes[3..7]).await.unwrap();

    let read_all = |epoch: u32, page: usize| {
        let poll_id = poll.id.clone();
        async move {
            let mut seen = Vec::new();
            let mut cursor: Option<VoteId> = None;
            loop {
                let page = store
                    .votes_page(&poll_id, epoch, cursor.as_ref(), page)
                    .await
                    .unwrap();
                if page.is_empty() {
                    return seen;
                }
                cursor = page.last().map(|v| v.vote_id.clone());
                seen.extend(page);
            }
        }
    };
    let mut expected = votes.clone();
    expected.sort_by(|a, b| a.vote_id.cmp(&b.vote_id));
    for page in [1, 7, 1000] {
        assert_eq!(read_all(0, page).await, expected, "pages of {page}");
    }
    let replaced = store.replaced_ballots(&poll.id, 0).await.unwrap();
    assert_eq!(
        replaced.into_iter().collect::<Vec<_>>(),
        [votes[4].vote_id.clone()]
    );
    assert!(
        store
            .votes_page(&PollId::generate(), 0, None, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // A busy minute: thousands of votes over every partition of it, read back in order
    // whatever the page size (a page reads each partition a chunk at a time).
    let busy_poll = PollId::generate();
    let mut busy: Vec<VoteRecord> = (0..2_000)
        .map(|i| VoteRecord {
            vote_id: VoteId::generate(),
            poll_id: busy_poll.clone(),
            option_ids: vec![poll.options[i % 2].id.clone()],
            rating: None,
            voter: None,
            received_at: Timestamp::now(),
            epoch: 0,
            replaces: None,
            entries: Vec::new(),
        })
        .collect();
    for chunk in busy.chunks(500) {
        store.append_votes(chunk).await.unwrap();
    }
    busy.sort_by(|a, b| a.vote_id.cmp(&b.vote_id));
    for page in [100, 1_000, 5_000] {
        let mut seen = Vec::new();
        let mut cursor: Option<VoteId> = None;
        loop {
            let got = store
                .votes_page(&busy_poll, 0, cursor.as_ref(), page)
                .await
                .unwrap();
            if got.is_empty() {
                break;
            }
            assert!(got.len() <= page);
            cursor = got.last().map(|v| v.vote_id.clone());
            seen.extend(got);
        }
        assert!(seen == busy, "the busy log in pages of {page}");
    }

    // Resets drop earlier epochs only; each epoch is read on its own.
    let mut next_epoch: Vec<VoteRecord> = votes[..3].to_vec();
    for v in &mut next_epoch {
        v.vote_id = VoteId::generate();
        v.epoch = 1;
    }
    store.append_votes(&next_epoch).await.unwrap();
    assert_eq!(read_all(1, 2).await, next_epoch);
    assert_eq!(read_all(0, 100).await.len(), 26);
    store.delete_votes_before_epoch(&poll.id, 1).await.unwrap();
    assert!(read_all(0, 100).await.is_empty());
    assert_eq!(read_all(1, 100).await, next_epoch);
    // A late redelivery of a dropped epoch's vote may come back; it stays in its epoch.

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
            .votes_page(&poll.id, 1, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.results(&poll.id).await.unwrap(), None);
    // A deleted poll stays deleted, whatever writes of it land late.
    assert!(!store.update_poll(&edited).await.unwrap());
    store.save_results(&snap(10)).await.unwrap();
    assert_eq!(store.poll(&poll.id).await.unwrap(), None);

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
    let before = store.poll_events(100).await.unwrap().len();
    let now = Timestamp::now();
    assert!(
        !store
            .change_poll(PollChange::Update(&outboxed), EventType::PollUpdated, now)
            .await
            .unwrap(),
        "no such poll: nothing changed"
    );
    assert_eq!(
        store.poll_events(100).await.unwrap().len(),
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
    let events = store.poll_events(100).await.unwrap();
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
    assert_eq!(
        store.poll_events(100).await.unwrap(),
        events,
        "read twice, the same"
    );
    // Forgetting some leaves exactly the others.
    store.forget_poll_events(&events[..1]).await.unwrap();
    assert_eq!(store.poll_events(100).await.unwrap(), events[1..].to_vec());
    store.forget_poll_events(&events).await.unwrap();
    assert!(store.poll_events(100).await.unwrap().is_empty());

    webhooks(store, &ws).await;
    accounts(store, &ws).await;
}

async fn webhooks(store: &dyn Store, ws: &Workspace) {
    use pollcast_store::{AttemptFilter, KeptDelivery, WebhookHealth};
    use pollcast_types::{EventType, Webhook, WebhookAttempt, WebhookId};
    let hook = |i: i64| Webhook {
        id: WebhookId::generate(),
        workspace_id: ws.id.clone(),
        url: format!("https://example.com/hook/{i}"),
        events: vec![EventType::VoteCreated],
        poll_ids: None,
        description: String::new(),
        enabled: true,
        disabled_reason: None,
        secret_sealed: "sealed".into(),
        previous_secret_sealed: None,
        previous_until: None,
        failing_since: None,
        created_at: Timestamp::from_millis(1_700_000_000_000 + i),
        updated_at: Timestamp::from_millis(1_700_000_000_000 + i),
    };
    let (a, b, c) = (hook(1), hook(2), hook(3));
    let wants_votes = || store.any_webhook_wants(EventType::VoteCreated);
    assert!(!wants_votes().await.unwrap(), "nobody yet");
    assert!(store.insert_webhook(&a, 2).await.unwrap());
    assert!(store.insert_webhook(&b, 2).await.unwrap());
    assert!(wants_votes().await.unwrap());
    assert!(
        !store
            .any_webhook_wants(EventType::PollClosed)
            .await
            .unwrap(),
        "an event nobody asked for"
    );
    assert!(
        !store.insert_webhook(&c, 2).await.unwrap(),
        "the limit holds"
    );
    assert_eq!(store.webhook(&a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(
        store.webhooks(&ws.id, None, 10).await.unwrap(),
        vec![b.clone(), a.clone()],
        "newest first"
    );
    let after = pollcast_store::After {
        created_at: b.created_at.as_millis(),
        id: b.id.to_string(),
    };
    assert_eq!(
        store.webhooks(&ws.id, Some(&after), 10).await.unwrap(),
        vec![a.clone()]
    );
    let mut edited = a.clone();
    edited.url = "https://example.com/edited".into();
    assert!(store.update_webhook(&edited).await.unwrap());
    assert_eq!(store.webhook(&a.id).await.unwrap(), Some(edited.clone()));
    // Health is written alone: the dispatcher's copy from before the edit (`a`) names the
    // endpoint, and the edit stays.
    let failing = Timestamp::from_millis(1_700_000_000_000);
    assert!(
        store
            .set_webhook_health(&a, &WebhookHealth::Failing(Some(failing)))
            .await
            .unwrap()
    );
    assert!(
        store
            .set_webhook_health(&a, &WebhookHealth::Disabled("410 Gone".into()))
            .await
            .unwrap()
    );
    let mut expected = edited.clone();
    expected.failing_since = Some(failing);
    expected.disabled_reason = Some("410 Gone".into());
    assert_eq!(store.webhook(&a.id).await.unwrap(), Some(expected.clone()));
    let listed = store.webhooks(&ws.id, None, 10).await.unwrap();
    assert!(listed.contains(&expected), "the listing agrees");
    assert!(
        store
            .set_webhook_health(&a, &WebhookHealth::Failing(None))
            .await
            .unwrap()
    );
    expected.failing_since = None;
    assert_eq!(store.webhook(&a.id).await.unwrap(), Some(expected));
    // An edit (the owner re-enabling) writes health too.
    assert!(store.update_webhook(&edited).await.unwrap());
    assert_eq!(store.webhook(&a.id).await.unwrap(), Some(edited.clone()));
    assert!(store.delete_webhook(&b.id).await.unwrap());
    assert!(
        !store
            .set_webhook_health(&b, &WebhookHealth::Disabled("gone".into()))
            .await
            .unwrap(),
        "no health for a deleted endpoint"
    );
    assert_eq!(store.webhook(&b.id).await.unwrap(), None);
    assert!(!store.delete_webhook(&b.id).await.unwrap());
    assert!(
        !store.update_webhook(&b).await.unwrap(),
        "deleted stays deleted"
    );
    assert_eq!(store.webhook(&b.id).await.unwrap(), None);
    assert!(
        store
            .set_webhook_health(&a, &WebhookHealth::Disabled("410 Gone".into()))
            .await
            .unwrap()
    );
    assert!(
        !wants_votes().await.unwrap(),
        "a disabled endpoint wants nothing"
    );
    assert!(store.insert_webhook(&c, 2).await.unwrap(), "room again");
    assert!(wants_votes().await.unwrap());

    // Deliveries kept for replays: by endpoint and id; keeping one again (a delivery's body
    // never changes) is harmless.
    let kept = KeptDelivery {
        webhook_id: a.id.clone(),
        delivery_id: "msg_kept".into(),
        event_id: "evt_kept".into(),
        event: EventType::VoteCreated,
        body: r#"{"type":"vote.created"}"#.into(),
        created_at: Timestamp::from_millis(1_700_000_000_000),
    };
    store
        .keep_webhook_deliveries(std::slice::from_ref(&kept))
        .await
        .unwrap();
    store
        .keep_webhook_deliveries(std::slice::from_ref(&kept))
        .await
        .unwrap();
    assert_eq!(
        store
            .kept_webhook_delivery(&a.id, "msg_kept")
            .await
            .unwrap(),
        Some(kept.clone())
    );
    assert_eq!(
        store
            .kept_webhook_delivery(&c.id, "msg_kept")
            .await
            .unwrap(),
        None,
        "another endpoint's"
    );
    store.keep_webhook_deliveries(&[]).await.unwrap();

    // The delivery log: newest first, filtered, paged, idempotent.
    let now = Timestamp::now().as_millis();
    let attempts: Vec<WebhookAttempt> = (0..12)
        .map(|i| WebhookAttempt {
            id: format!("att_{i:02}"),
            webhook_id: a.id.clone(),
            delivery_id: format!("msg_{}", i / 2),
            event_id: format!("evt_{i}"),
            event: if i % 3 == 0 {
                EventType::PollCreated
            } else {
                EventType::VoteCreated
            },
            attempt: 1 + (i % 2) as u32,
            status: if i % 2 == 0 { "failed" } else { "succeeded" }.into(),
            http_status: (i % 2 == 1).then_some(200),
            latency_ms: 10 + i as u64,
            error: (i % 2 == 0).then(|| "timeout".to_owned()),
            response_excerpt: String::new(),
            // Spread over more than an hour, oldest first.
            attempted_at: Timestamp::from_millis(now - (12 - i) * 600_000),
            next_attempt_at: None,
        })
        .collect();
    store.insert_webhook_attempts(&attempts[..5]).await.unwrap();
    store.insert_webhook_attempts(&attempts).await.unwrap();
    let mut newest_first = attempts.clone();
    newest_first.reverse();
    let all = store
        .webhook_attempts(&a.id, &AttemptFilter::default(), None, 100)
        .await
        .unwrap();
    assert_eq!(all, newest_first);
    let first = store
        .webhook_attempts(&a.id, &AttemptFilter::default(), None, 5)
        .await
        .unwrap();
    let last = first.last().unwrap();
    let after = pollcast_store::After {
        created_at: last.attempted_at.as_millis(),
        id: last.id.clone(),
    };
    let rest = store
        .webhook_attempts(&a.id, &AttemptFilter::default(), Some(&after), 100)
        .await
        .unwrap();
    assert_eq!([first, rest].concat(), newest_first);
    let failed = AttemptFilter {
        status: Some("failed".into()),
        event: Some("vote.created".into()),
        since: Some(Timestamp::from_millis(now - 6 * 600_000)),
    };
    let expected: Vec<_> = newest_first
        .iter()
        .filter(|x| failed.admits(x))
        .cloned()
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(
        store
            .webhook_attempts(&a.id, &failed, None, 100)
            .await
            .unwrap(),
        expected
    );
    assert!(
        store
            .webhook_attempts(&c.id, &AttemptFilter::default(), None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn accounts(store: &dyn Store, ws: &Workspace) {
    use pollcast_store::{Join, SignedUp};
    use pollcast_types::{Account, AccountId, Invitation, InvitationId, Membership, Role, Session};
    let account = |email: &str| Account {
        id: AccountId::generate(),
        email: email.into(),
        password_hash: "$argon2id$fake".into(),
        created_at: Timestamp::now(),
    };
    let now = Timestamp::now();
    assert!(!store.has_accounts().await.unwrap());
    let owner_ws = Workspace {
        id: WorkspaceId::generate(),
        name: "first".into(),
        created_at: now,
    };
    let ann = account("ann@example.com");
    let SignedUp::Member(m) = store.sign_up(&ann, Join::First(&owner_ws)).await.unwrap() else {
        panic!("the first sign-up owns a workspace");
    };
    assert_eq!((m.role, &m.workspace_id), (Role::Owner, &owner_ws.id));
    assert!(store.has_accounts().await.unwrap());
    assert_eq!(
        store.workspace(&owner_ws.id).await.unwrap(),
        Some(owner_ws.clone())
    );
    let other_ws = Workspace {
        id: WorkspaceId::generate(),
        ..owner_ws.clone()
    };
    assert_eq!(
        store
            .sign_up(&account("bob@example.com"), Join::First(&other_ws))
            .await
            .unwrap(),
        SignedUp::Closed,
        "only the first"
    );
    assert_eq!(
        store
            .sign_up(&account("ann@example.com"), Join::Open(&other_ws))
            .await
            .unwrap(),
        SignedUp::EmailTaken
    );
    assert!(
        !store
            .insert_account(&account("ann@example.com"))
            .await
            .unwrap()
    );
    assert_eq!(
        store.account_by_email("ann@example.com").await.unwrap(),
        Some(ann.clone())
    );
    assert_eq!(store.account(&ann.id).await.unwrap(), Some(ann.clone()));

    // Invitations: one use, live only.
    let invite = |token: &str, role: Role, expires: i64| Invitation {
        id: InvitationId::generate(),
        token_hash: token.into(),
        workspace_id: owner_ws.id.clone(),
        role,
        created_at: now,
        expires_at: Timestamp::from_millis(now.as_millis() + expires),
    };
    let inv = invite("tok-1", Role::Editor, 3_600_000);
    store.insert_invitation(&inv).await.unwrap();
    let expired = invite("tok-2", Role::Viewer, -1);
    store.insert_invitation(&expired).await.unwrap();
    assert_eq!(
        store.invitations(&owner_ws.id, now).await.unwrap(),
        vec![inv.clone()]
    );
    let bob = account("bob@example.com");
    assert_eq!(
        store
            .sign_up(
                &bob,
                Join::Invitation {
                    token_hash: "tok-2",
                    now
                }
            )
            .await
            .unwrap(),
        SignedUp::InvitationInvalid
    );
    let SignedUp::Member(bm) = store
        .sign_up(
            &bob,
            Join::Invitation {
                token_hash: "tok-1",
                now,
            },
        )
        .await
        .unwrap()
    else {
        panic!("a live invitation lets bob in");
    };
    assert_eq!(bm.role, Role::Editor);
    let carl = account("carl@example.com");
    assert!(store.insert_account(&carl).await.unwrap());
    assert_eq!(
        store.accept_invitation("tok-1", &carl, now).await.unwrap(),
        None,
        "used up"
    );
    let inv3 = invite("tok-3", Role::Viewer, 3_600_000);
    store.insert_invitation(&inv3).await.unwrap();
    // Ann is the owner already: accepting never demotes her.
    let kept = store
        .accept_invitation("tok-3", &ann, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.role, Role::Owner);
    let inv4 = invite("tok-4", Role::Viewer, 3_600_000);
    store.insert_invitation(&inv4).await.unwrap();
    assert!(
        !store.delete_invitation(&ws.id, &inv4.id).await.unwrap(),
        "other workspace"
    );
    assert!(
        store
            .delete_invitation(&owner_ws.id, &inv4.id)
            .await
            .unwrap()
    );
    assert_eq!(
        store.accept_invitation("tok-4", &carl, now).await.unwrap(),
        None
    );

    // Members.
    store
        .set_member(&Membership {
            workspace_id: owner_ws.id.clone(),
            account_id: carl.id.clone(),
            email: carl.email.clone(),
            role: Role::Viewer,
            created_at: Timestamp::from_millis(now.as_millis() + 60_000),
        })
        .await
        .unwrap();
    let members = store.members(&owner_ws.id).await.unwrap();
    assert_eq!(
        members
            .iter()
            .map(|m| (m.email.as_str(), m.role))
            .collect::<Vec<_>>(),
        vec![
            ("ann@example.com", Role::Owner),
            ("bob@example.com", Role::Editor),
            ("carl@example.com", Role::Viewer)
        ]
    );
    assert_eq!(
        store
            .membership(&owner_ws.id, &carl.id)
            .await
            .unwrap()
            .map(|m| m.role),
        Some(Role::Viewer)
    );
    assert_eq!(
        store.memberships_of(&bob.id).await.unwrap(),
        vec![bm.clone()]
    );

    // Sessions end with a removal and a new password.
    let session = |id: &str, who: &Account| Session {
        id_hash: id.into(),
        account_id: who.id.clone(),
        workspace_id: owner_ws.id.clone(),
        created_at: now,
        expires_at: Timestamp::from_millis(now.as_millis() + 3_600_000),
    };
    store
        .insert_session(&session("s-carl", &carl))
        .await
        .unwrap();
    store.insert_session(&session("s-bob", &bob)).await.unwrap();
    store
        .insert_session(&session("s-bob2", &bob))
        .await
        .unwrap();
    assert_eq!(
        store.session("s-carl", now).await.unwrap(),
        Some(session("s-carl", &carl))
    );
    let later = Timestamp::from_millis(now.as_millis() + 3_600_001);
    assert_eq!(
        store.session("s-carl", later).await.unwrap(),
        None,
        "expired"
    );
    assert!(store.remove_member(&owner_ws.id, &carl.id).await.unwrap());
    assert!(!store.remove_member(&owner_ws.id, &carl.id).await.unwrap());
    assert_eq!(store.session("s-carl", now).await.unwrap(), None);
    assert!(store.set_password(&bob.id, "$argon2id$new").await.unwrap());
    assert_eq!(store.session("s-bob", now).await.unwrap(), None);
    assert_eq!(store.session("s-bob2", now).await.unwrap(), None);
    assert_eq!(
        store.account(&bob.id).await.unwrap().unwrap().password_hash,
        "$argon2id$new"
    );
    assert!(
        !store
            .set_password(&AccountId::generate(), "x")
            .await
            .unwrap()
    );
    store.insert_session(&session("s-ann", &ann)).await.unwrap();
    store.delete_session("s-ann").await.unwrap();
    assert_eq!(store.session("s-ann", now).await.unwrap(), None);
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

/// Idempotency keys are kept a day and then forgotten (CQL expires them by TTL; SQLite must
/// delete them, or the table grows by every creating request forever).
#[tokio::test]
async fn sqlite_forgets_idempotency_keys_older_than_a_day() {
    use pollcast_store::{IDEMPOTENCY_KEEP_MILLIS, Idempotency};
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let ws = WorkspaceId::generate();
    let now = Timestamp::now().as_millis();
    let old = Timestamp::from_millis(now - IDEMPOTENCY_KEEP_MILLIS - 1000);
    let fresh = Timestamp::from_millis(now);
    for (key, at) in [("old", old), ("fresh", fresh)] {
        assert!(
            store
                .reserve_idempotency_key(&ws, key, "h", at)
                .await
                .unwrap()
                .is_none()
        );
    }
    let cutoff = Timestamp::from_millis(now - IDEMPOTENCY_KEEP_MILLIS);
    assert_eq!(store.purge_idempotency_keys(cutoff).await.unwrap(), 1);
    assert_eq!(store.purge_idempotency_keys(cutoff).await.unwrap(), 0);
    assert!(
        store
            .reserve_idempotency_key(&ws, "fresh", "h", fresh)
            .await
            .unwrap()
            .is_some(),
        "the fresh key stays"
    );
}

#[tokio::test]
async fn scylla_store_meets_the_contract() {
    let Some(cluster) = ScyllaForTest::from_env("scylla_store_meets_the_contract") else {
        return;
    };
    let store = cluster.connect().await.unwrap();
    run_suite(&store).await;
    // Connecting again applies no migration twice and keeps the data.
    let again = cluster.connect().await.unwrap();
    assert_eq!(again.meta("demo").await.unwrap().as_deref(), Some("b"));
    cluster.drop_keyspace(&store).await;
}
