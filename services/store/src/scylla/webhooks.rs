//! [`Webhooks`] on CQL. The per-workspace limit is a count changed only by compare-and-set;
//! the delivery log is partitioned by endpoint and hour and expires by TTL.

use async_trait::async_trait;
use futures_util::StreamExt;
use pollcast_types::{EventType, Timestamp, Webhook, WebhookAttempt, WebhookId, WorkspaceId};
use scylla::statement::batch::{Batch, BatchType};

use super::{FOREVER, ScyllaStore, corrupt, id};
use crate::webhooks::{KeptRow, event_type};
use crate::{After, AttemptFilter, KeptDelivery, StoreError, StoreResult, WebhookHealth, Webhooks};

const HOUR_MS: i64 = 3_600_000;

type AttemptRow = (
    String,
    i64,
    String,
    String,
    String,
    String,
    i32,
    String,
    Option<i32>,
    i64,
    Option<String>,
    String,
    Option<i64>,
);

fn attempt_from_row(r: AttemptRow) -> StoreResult<WebhookAttempt> {
    Ok(WebhookAttempt {
        webhook_id: id(WebhookId::parse, &r.0)?,
        attempted_at: Timestamp::from_millis(r.1),
        id: r.2,
        delivery_id: r.3,
        event_id: r.4,
        event: event_type(&r.5)?,
        attempt: r.6.max(0) as u32,
        status: r.7,
        http_status: r.8.map(|s| s as u16),
        latency_ms: r.9.max(0) as u64,
        error: r.10,
        response_excerpt: r.11,
        next_attempt_at: r.12.map(Timestamp::from_millis),
    })
}

impl ScyllaStore {
    /// Moves a workspace's endpoint count by `delta` unless that passes `max`; whether it moved.
    async fn count_webhooks(&self, ws: &str, delta: i32, max: u64) -> StoreResult<bool> {
        for _ in 0..32 {
            let n: Option<(Option<i32>,)> = self
                .first(
                    "SELECT n FROM webhooks_by_workspace_count WHERE workspace_id = ?",
                    (ws,),
                )
                .await?;
            let applied = match n {
                None => {
                    if delta > 0 && max == 0 {
                        return Ok(false);
                    }
                    self.lwt(
                        "INSERT INTO webhooks_by_workspace_count (workspace_id, n) VALUES (?, ?) IF NOT EXISTS",
                        (ws, delta.max(0)),
                    )
                    .await?
                }
                Some((n,)) => {
                    let n = n.unwrap_or(0);
                    if delta > 0 && (n as i64 + i64::from(delta)) as u64 > max {
                        return Ok(false);
                    }
                    self.lwt(
                        "UPDATE webhooks_by_workspace_count SET n = ? WHERE workspace_id = ? IF n = ?",
                        ((n + delta).max(0), ws, n),
                    )
                    .await?
                }
            };
            if applied {
                return Ok(true);
            }
        }
        Err(StoreError::Unavailable(
            "the webhook count is contended".into(),
        ))
    }

    async fn write_webhook(&self, webhook: &Webhook) -> StoreResult<()> {
        let body = serde_json::to_string(webhook).map_err(corrupt)?;
        let mut batch = Batch::new(BatchType::Logged);
        batch.append_statement(
            self.prepared(
                "INSERT INTO webhooks (id, workspace_id, created_at, body, failing_since, disabled_reason)
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .await?,
        );
        batch.append_statement(
            self.prepared(
                "INSERT INTO webhooks_by_workspace (workspace_id, created_at, id, body, failing_since, disabled_reason)
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .await?,
        );
        let (wid, ws, created) = (
            webhook.id.as_str(),
            webhook.workspace_id.as_str(),
            webhook.created_at.as_millis(),
        );
        let failing = webhook.failing_since.map(Timestamp::as_millis);
        let disabled = webhook.disabled_reason.as_deref();
        self.session()
            .batch(
                &batch,
                (
                    (wid, ws, created, body.as_str(), failing, disabled),
                    (ws, created, wid, body.as_str(), failing, disabled),
                ),
            )
            .await
            .map_err(super::map_err)?;
        Ok(())
    }
}

impl ScyllaStore {
    /// Writes one health cell of an endpoint in both of its tables (`cql`: the `webhooks`
    /// update, then the `webhooks_by_workspace` one). A deletion racing this write wins: its
    /// timestamp is final.
    async fn set_health_cell<V>(
        &self,
        webhook: &Webhook,
        cql: [&'static str; 2],
        value: V,
    ) -> StoreResult<()>
    where
        V: scylla::serialize::value::SerializeValue + Copy,
    {
        let mut batch = Batch::new(BatchType::Logged);
        batch.append_statement(self.prepared(cql[0]).await?);
        batch.append_statement(self.prepared(cql[1]).await?);
        let (wid, ws, created) = (
            webhook.id.as_str(),
            webhook.workspace_id.as_str(),
            webhook.created_at.as_millis(),
        );
        self.session()
            .batch(&batch, ((value, wid), (value, ws, created, wid)))
            .await
            .map_err(super::map_err)?;
        Ok(())
    }
}

/// A stored endpoint: its body, with the health cells written since (see the schema).
fn from_row(
    (body, failing, disabled): (String, Option<i64>, Option<String>),
) -> StoreResult<Webhook> {
    let mut webhook: Webhook = serde_json::from_str(&body).map_err(corrupt)?;
    webhook.failing_since = failing.map(Timestamp::from_millis);
    webhook.disabled_reason = disabled;
    Ok(webhook)
}

#[async_trait]
impl Webhooks for ScyllaStore {
    async fn insert_webhook(&self, webhook: &Webhook, max_per_workspace: u64) -> StoreResult<bool> {
        // Counted first: a crash before the rows are written leaves the count one high (a
        // limit reached one early), never one low.
        if !self
            .count_webhooks(webhook.workspace_id.as_str(), 1, max_per_workspace)
            .await?
        {
            return Ok(false);
        }
        self.write_webhook(webhook).await?;
        Ok(true)
    }

    async fn webhook(&self, wid: &WebhookId) -> StoreResult<Option<Webhook>> {
        self.first(
            "SELECT body, failing_since, disabled_reason FROM webhooks WHERE id = ?",
            (wid.as_str(),),
        )
        .await?
        .map(from_row)
        .transpose()
    }

    async fn webhooks(
        &self,
        workspace: &WorkspaceId,
        after: Option<&After>,
        limit: usize,
    ) -> StoreResult<Vec<Webhook>> {
        self.newest_first(
            "SELECT body, failing_since, disabled_reason FROM webhooks_by_workspace
             WHERE workspace_id = ? AND (created_at, id) < (?, ?) LIMIT ?",
            workspace,
            after,
            limit,
        )
        .await?
        .into_iter()
        .map(from_row)
        .collect()
    }

    async fn update_webhook(&self, webhook: &Webhook) -> StoreResult<bool> {
        if self.webhook(&webhook.id).await?.is_none() {
            return Ok(false);
        }
        // A deletion racing this write wins: it is written with a final timestamp.
        self.write_webhook(webhook).await?;
        Ok(true)
    }

    async fn set_webhook_health(
        &self,
        webhook: &Webhook,
        health: &WebhookHealth,
    ) -> StoreResult<bool> {
        if self.webhook(&webhook.id).await?.is_none() {
            return Ok(false);
        }
        match health {
            WebhookHealth::Failing(since) => {
                let cql = [
                    "UPDATE webhooks SET failing_since = ? WHERE id = ?",
                    "UPDATE webhooks_by_workspace SET failing_since = ?
                     WHERE workspace_id = ? AND created_at = ? AND id = ?",
                ];
                self.set_health_cell(webhook, cql, since.map(Timestamp::as_millis))
                    .await?
            }
            WebhookHealth::Disabled(why) => {
                let cql = [
                    "UPDATE webhooks SET disabled_reason = ? WHERE id = ?",
                    "UPDATE webhooks_by_workspace SET disabled_reason = ?
                     WHERE workspace_id = ? AND created_at = ? AND id = ?",
                ];
                self.set_health_cell(webhook, cql, why.as_str()).await?
            }
        }
        Ok(true)
    }

    async fn any_webhook_wants(&self, event: EventType) -> StoreResult<bool> {
        // A scan of every endpoint, a page at a time, stopping at the first that wants it:
        // the dispatcher asks every half minute, and endpoints are few.
        let mut rows = self
            .row_stream::<(String, Option<i64>, Option<String>)>(
                "SELECT body, failing_since, disabled_reason FROM webhooks",
                (),
            )
            .await?;
        while let Some(row) = rows.next().await {
            if from_row(row?)?.wants(event, None) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    async fn delete_webhook(&self, wid: &WebhookId) -> StoreResult<bool> {
        let Some(w) = self.webhook(wid).await? else {
            return Ok(false);
        };
        let mut batch = Batch::new(BatchType::Logged);
        batch.append_statement(
            self.prepared("DELETE FROM webhooks USING TIMESTAMP ? WHERE id = ?")
                .await?,
        );
        batch.append_statement(
            self.prepared(
                "DELETE FROM webhooks_by_workspace USING TIMESTAMP ?
                 WHERE workspace_id = ? AND created_at = ? AND id = ?",
            )
            .await?,
        );
        let ws = w.workspace_id.as_str();
        self.session()
            .batch(
                &batch,
                (
                    (FOREVER, wid.as_str()),
                    (FOREVER, ws, w.created_at.as_millis(), wid.as_str()),
                ),
            )
            .await
            .map_err(super::map_err)?;
        self.count_webhooks(ws, -1, u64::MAX).await?;
        Ok(true)
    }

    async fn keep_webhook_deliveries(&self, deliveries: &[KeptDelivery]) -> StoreResult<()> {
        let ttl = self.webhook_log_ttl();
        self.fan_out((0..deliveries.len()).collect(), |i: usize| async move {
            let d = &deliveries[i];
            self.exec(
                "INSERT INTO webhook_deliveries (webhook_id, delivery_id, event_id, event, body, created_at)
                 VALUES (?, ?, ?, ?, ?, ?) USING TTL ?",
                (
                    d.webhook_id.as_str(),
                    d.delivery_id.as_str(),
                    d.event_id.as_str(),
                    d.event.as_str(),
                    d.body.as_str(),
                    d.created_at.as_millis(),
                    ttl,
                ),
            )
            .await
        })
        .await?;
        Ok(())
    }

    async fn kept_webhook_delivery(
        &self,
        webhook: &WebhookId,
        delivery_id: &str,
    ) -> StoreResult<Option<KeptDelivery>> {
        let row: Option<KeptRow> = self
            .first(
                "SELECT event_id, event, body, created_at FROM webhook_deliveries
                 WHERE webhook_id = ? AND delivery_id = ?",
                (webhook.as_str(), delivery_id),
            )
            .await?;
        row.map(|row| KeptDelivery::from_row(webhook, delivery_id, row))
            .transpose()
    }

    async fn insert_webhook_attempts(&self, attempts: &[WebhookAttempt]) -> StoreResult<()> {
        let ttl = self.webhook_log_ttl();
        let mut buckets: Vec<(&str, i64)> = attempts
            .iter()
            .map(|a| {
                (
                    a.webhook_id.as_str(),
                    a.attempted_at.as_millis().div_euclid(HOUR_MS),
                )
            })
            .collect();
        buckets.sort_unstable();
        buckets.dedup();
        let buckets_ref = &buckets;
        self.fan_out((0..buckets.len()).collect(), |i: usize| async move {
            let (wid, bucket) = buckets_ref[i];
            self.exec(
                "INSERT INTO webhook_attempts_by_bucket (webhook_id, bucket) VALUES (?, ?) USING TTL ?",
                (wid, bucket, ttl),
            )
            .await
        })
        .await?;
        self.fan_out((0..attempts.len()).collect(), |i: usize| async move {
            let a = &attempts[i];
            self.exec(
                "INSERT INTO webhook_attempts (webhook_id, bucket, attempted_at, id, delivery_id,
                     event_id, event, attempt, outcome, http_status, latency_ms, error,
                     response_excerpt, next_attempt_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TTL ?",
                (
                    a.webhook_id.as_str(),
                    a.attempted_at.as_millis().div_euclid(HOUR_MS),
                    a.attempted_at.as_millis(),
                    a.id.as_str(),
                    a.delivery_id.as_str(),
                    a.event_id.as_str(),
                    a.event.as_str(),
                    a.attempt as i32,
                    a.status.as_str(),
                    a.http_status.map(i32::from),
                    a.latency_ms.min(i64::MAX as u64) as i64,
                    a.error.as_deref(),
                    a.response_excerpt.as_str(),
                    a.next_attempt_at.map(Timestamp::as_millis),
                    ttl,
                ),
            )
            .await
        })
        .await
        .map(|_| ())
    }

    async fn webhook_attempts(
        &self,
        webhook: &WebhookId,
        filter: &AttemptFilter,
        after: Option<&After>,
        limit: usize,
    ) -> StoreResult<Vec<WebhookAttempt>> {
        let limit = limit.clamp(1, 1000);
        let (at, after_id) =
            after.map_or((i64::MAX, String::new()), |a| (a.created_at, a.id.clone()));
        let since = filter.since.map_or(i64::MIN, Timestamp::as_millis);
        let buckets: Vec<(i64,)> = self
            .rows(
                "SELECT bucket FROM webhook_attempts_by_bucket WHERE webhook_id = ? AND bucket <= ?",
                (webhook.as_str(), at.div_euclid(HOUR_MS)),
            )
            .await?;
        let mut out = Vec::new();
        for (bucket,) in buckets {
            if (bucket + 1) * HOUR_MS <= since || out.len() >= limit {
                break;
            }
            // Rows newest first; filtered here, as the log is an endpoint's own and small
            // per hour next to what a filter would cost the server.
            let mut rows = self
                .row_stream::<AttemptRow>(
                    "SELECT webhook_id, attempted_at, id, delivery_id, event_id, event, attempt,
                            outcome, http_status, latency_ms, error, response_excerpt,
                            next_attempt_at
                     FROM webhook_attempts
                     WHERE webhook_id = ? AND bucket = ? AND (attempted_at, id) < (?, ?)",
                    (webhook.as_str(), bucket, at, after_id.as_str()),
                )
                .await?;
            while let Some(row) = rows.next().await {
                let a = attempt_from_row(row?)?;
                if filter.admits(&a) {
                    out.push(a);
                    if out.len() >= limit {
                        break;
                    }
                }
            }
        }
        Ok(out)
    }

    async fn purge_webhook_attempts(&self, _before: Timestamp) -> StoreResult<u64> {
        // Rows expire by their TTL (--webhook-log-days), which the server enforces.
        Ok(0)
    }
}
