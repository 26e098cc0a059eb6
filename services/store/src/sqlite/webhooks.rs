//! [`Webhooks`] on SQLite.

use async_trait::async_trait;
use pollcast_types::{EventType, Timestamp, Webhook, WebhookAttempt, WebhookId, WorkspaceId};
use rusqlite::{OptionalExtension, params};

use super::{SqliteStore, Table, corrupt};
use crate::webhooks::{KeptRow, event_type};
use crate::{After, AttemptFilter, KeptDelivery, StoreError, StoreResult, WebhookHealth, Webhooks};

#[async_trait]
impl Webhooks for SqliteStore {
    async fn insert_webhook(&self, webhook: &Webhook, max_per_workspace: u64) -> StoreResult<bool> {
        let body = serde_json::to_string(webhook).map_err(corrupt)?;
        let (id, ws, created) = (
            webhook.id.to_string(),
            webhook.workspace_id.to_string(),
            webhook.created_at.as_millis(),
        );
        self.run(move |c| {
            // Counted and inserted in one write transaction: concurrent creations cannot pass
            // the limit together.
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let n: i64 = tx.query_row(
                "SELECT COUNT(*) FROM webhooks WHERE workspace_id = ?1",
                [&ws],
                |r| r.get(0),
            )?;
            if n as u64 >= max_per_workspace {
                return Ok(false);
            }
            tx.execute(
                "INSERT INTO webhooks (id, workspace_id, created_at, body) VALUES (?1, ?2, ?3, ?4)",
                params![id, ws, created, body],
            )?;
            tx.commit()?;
            Ok(true)
        })
        .await
    }

    async fn webhook(&self, id: &WebhookId) -> StoreResult<Option<Webhook>> {
        let id = id.to_string();
        let body: Option<String> = self
            .run(move |c| {
                Ok(
                    c.query_row("SELECT body FROM webhooks WHERE id = ?1", [id], |r| {
                        r.get(0)
                    })
                    .optional()?,
                )
            })
            .await?;
        body.map(|b| serde_json::from_str(&b).map_err(corrupt))
            .transpose()
    }

    async fn webhooks(
        &self,
        workspace: &WorkspaceId,
        after: Option<&After>,
        limit: usize,
    ) -> StoreResult<Vec<Webhook>> {
        self.page_of_bodies(Table::Webhooks, workspace, after, limit)
            .await
    }

    async fn update_webhook(&self, webhook: &Webhook) -> StoreResult<bool> {
        let body = serde_json::to_string(webhook).map_err(corrupt)?;
        let id = webhook.id.to_string();
        self.run(move |c| {
            Ok(c.execute(
                "UPDATE webhooks SET body = ?1 WHERE id = ?2",
                params![body, id],
            )? == 1)
        })
        .await
    }

    async fn set_webhook_health(
        &self,
        webhook: &Webhook,
        health: &WebhookHealth,
    ) -> StoreResult<bool> {
        let (id, health) = (webhook.id.to_string(), health.clone());
        self.run(move |c| {
            // Read and written in one write transaction: no edit can land in between.
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let body: Option<String> = tx
                .query_row("SELECT body FROM webhooks WHERE id = ?1", [&id], |r| {
                    r.get(0)
                })
                .optional()?;
            let Some(body) = body else {
                return Ok(false);
            };
            let mut stored: Webhook = serde_json::from_str(&body).map_err(corrupt)?;
            match health {
                WebhookHealth::Failing(since) => stored.failing_since = since,
                WebhookHealth::Disabled(why) => stored.disabled_reason = Some(why),
            }
            let body = serde_json::to_string(&stored).map_err(corrupt)?;
            tx.execute(
                "UPDATE webhooks SET body = ?1 WHERE id = ?2",
                params![body, id],
            )?;
            tx.commit()?;
            Ok(true)
        })
        .await
    }

    async fn delete_webhook(&self, id: &WebhookId) -> StoreResult<bool> {
        let id = id.to_string();
        self.run(move |c| Ok(c.execute("DELETE FROM webhooks WHERE id = ?1", [id])? == 1))
            .await
    }

    async fn any_webhook_wants(&self, event: EventType) -> StoreResult<bool> {
        self.run(move |c| {
            // The event's name in the body narrows the rows; the endpoint itself decides.
            let mut stmt = c.prepare("SELECT body FROM webhooks WHERE body LIKE ?1")?;
            let mut rows = stmt.query([format!("%\"{}\"%", event.as_str())])?;
            while let Some(row) = rows.next()? {
                let body: String = row.get(0)?;
                let webhook: Webhook = serde_json::from_str(&body).map_err(corrupt)?;
                if webhook.wants(event, None) {
                    return Ok(true);
                }
            }
            Ok(false)
        })
        .await
    }

    async fn insert_webhook_attempts(&self, attempts: &[WebhookAttempt]) -> StoreResult<()> {
        let attempts = attempts.to_vec();
        self.run(move |c| {
            let tx = c.transaction()?;
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT OR IGNORE INTO webhook_attempts (id, webhook_id, delivery_id, event_id,
                         event, attempt, outcome, http_status, latency_ms, error, response_excerpt,
                         attempted_at, next_attempt_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                )?;
                for a in &attempts {
                    stmt.execute(params![
                        a.id,
                        a.webhook_id.as_str(),
                        a.delivery_id,
                        a.event_id,
                        a.event.as_str(),
                        a.attempt,
                        a.status,
                        a.http_status,
                        a.latency_ms as i64,
                        a.error,
                        a.response_excerpt,
                        a.attempted_at.as_millis(),
                        a.next_attempt_at.map(Timestamp::as_millis),
                    ])?;
                }
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn webhook_attempts(
        &self,
        webhook: &WebhookId,
        filter: &AttemptFilter,
        after: Option<&After>,
        limit: usize,
    ) -> StoreResult<Vec<WebhookAttempt>> {
        let webhook = webhook.to_string();
        let (at, id) = after.map_or((i64::MAX, String::new()), |a| (a.created_at, a.id.clone()));
        let limit = limit.min(1000) as i64;
        let status = filter.status.clone();
        let event = filter.event.clone();
        let since = filter.since.map_or(i64::MIN, Timestamp::as_millis);
        let rows = self
            .run(move |c| {
                let mut stmt = c.prepare_cached(
                    "SELECT id, webhook_id, delivery_id, event_id, event, attempt, outcome,
                            http_status, latency_ms, error, response_excerpt, attempted_at,
                            next_attempt_at
                     FROM webhook_attempts
                     WHERE webhook_id = ?1 AND (attempted_at, id) < (?2, ?3)
                       AND (?4 IS NULL OR outcome = ?4) AND (?5 IS NULL OR event = ?5)
                       AND attempted_at >= ?6
                     ORDER BY attempted_at DESC, id DESC LIMIT ?7",
                )?;
                let rows =
                    stmt.query_map(params![webhook, at, id, status, event, since, limit], |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, String>(3)?,
                            r.get::<_, String>(4)?,
                            r.get::<_, u32>(5)?,
                            r.get::<_, String>(6)?,
                            r.get::<_, Option<u16>>(7)?,
                            r.get::<_, i64>(8)?,
                            r.get::<_, Option<String>>(9)?,
                            r.get::<_, String>(10)?,
                            r.get::<_, i64>(11)?,
                            r.get::<_, Option<i64>>(12)?,
                        ))
                    })?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
            })
            .await?;
        rows.into_iter()
            .map(|r| {
                Ok(WebhookAttempt {
                    id: r.0,
                    webhook_id: WebhookId::parse(&r.1)
                        .ok_or_else(|| StoreError::Corrupt("a webhook id".into()))?,
                    delivery_id: r.2,
                    event_id: r.3,
                    event: event_type(&r.4)?,
                    attempt: r.5,
                    status: r.6,
                    http_status: r.7,
                    latency_ms: r.8.max(0) as u64,
                    error: r.9,
                    response_excerpt: r.10,
                    attempted_at: Timestamp::from_millis(r.11),
                    next_attempt_at: r.12.map(Timestamp::from_millis),
                })
            })
            .collect()
    }

    async fn keep_webhook_deliveries(&self, deliveries: &[KeptDelivery]) -> StoreResult<()> {
        if deliveries.is_empty() {
            return Ok(());
        }
        let deliveries = deliveries.to_vec();
        self.run(move |c| {
            let tx = c.transaction()?;
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT OR IGNORE INTO webhook_deliveries
                         (webhook_id, delivery_id, event_id, event, body, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?;
                for d in &deliveries {
                    stmt.execute(params![
                        d.webhook_id.as_str(),
                        d.delivery_id,
                        d.event_id,
                        d.event.as_str(),
                        d.body,
                        d.created_at.as_millis(),
                    ])?;
                }
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn kept_webhook_delivery(
        &self,
        webhook: &WebhookId,
        delivery_id: &str,
    ) -> StoreResult<Option<KeptDelivery>> {
        let (wid, did) = (webhook.to_string(), delivery_id.to_owned());
        let row: Option<KeptRow> = self
            .run(move |c| {
                Ok(c.query_row(
                    "SELECT event_id, event, body, created_at FROM webhook_deliveries
                     WHERE webhook_id = ?1 AND delivery_id = ?2",
                    [&wid, &did],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?)
            })
            .await?;
        row.map(|row| KeptDelivery::from_row(webhook, delivery_id, row))
            .transpose()
    }

    async fn purge_webhook_attempts(&self, before: Timestamp) -> StoreResult<u64> {
        let before = before.as_millis();
        self.run(move |c| {
            c.execute(
                "DELETE FROM webhook_deliveries WHERE created_at < ?1",
                [before],
            )?;
            Ok(c.execute(
                "DELETE FROM webhook_attempts WHERE attempted_at < ?1",
                [before],
            )? as u64)
        })
        .await
    }
}
