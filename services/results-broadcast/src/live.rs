use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, rt, web};
use actix_ws::{CloseCode, CloseReason, Message, MessageStream, Session};
use futures_util::{FutureExt, StreamExt};
use pollcast_http::ApiError;
use pollcast_types::{ErrorCode, Poll, PollId, ResultsVisibility};
use tokio::sync::watch;
use tokio::task::coop::unconstrained;

use crate::BroadcastState;
use crate::counts::{current, frame_of};
use crate::crowd;
use crate::hub::Frame;
use crate::sse;
use crate::visibility::{self, Hello, Viewer, ViewerHeaders};
use pollcast_auth::MaybeCaller;

/// Largest frame a viewer may send. Viewers have nothing to say beyond pongs.
const MAX_CLIENT_FRAME: usize = 1024;
/// A viewer that refuses frames (its queue full) for this long is dropped.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a WebSocket viewer of an `after_vote` poll has to send its hello.
const HELLO_TIMEOUT: Duration = Duration::from_secs(5);

/// `GET /v1/polls/{id}/live`: a WebSocket, or Server-Sent Events with
/// `Accept: text/event-stream`. A viewer of an `after_vote` poll proves it voted with the
/// `Voter-Token` header (SSE) or, on a WebSocket, with a first message
/// `{"type": "hello", "voter_token": "..."}`; without it the socket is closed with
/// `results_hidden`.
#[utoipa::path(
    get, path = "/v1/polls/{poll_id}/live", operation_id = "follow_results", tag = "results", security((), ("bearer" = [])),
    params(("poll_id" = String, Path, description = "The poll's id"), ViewerHeaders),
    responses(
        (status = 101, description = "WebSocket (send the upgrade headers): a `results` message on connect and on every change, at most one per 100 ms, and `status` messages on lifecycle changes"),
        (status = 200, description = "With `Accept: text/event-stream`: the same messages as Server-Sent Events", content_type = "text/event-stream", body = crate::live_messages::LiveMessage),
    ),
)]
pub async fn live(
    state: web::Data<BroadcastState>,
    path: web::Path<String>,
    caller: MaybeCaller,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let poll = state.polls.find_public(&path).await?;
    let ip = state.context.proxies.client_ip(&req);
    let viewer = Viewer::new(&poll, &caller, visibility::voter_token_of(&req), ip);
    let wants_sse = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/event-stream"));
    let visible = visibility::check(&state, &poll, &viewer).await;
    // Counted as watching from here, so the first frame it gets already counts it.
    let seat = (
        state.seats.take(ip)?,
        state.viewers.watch(&poll.id, poll.shard),
    );
    if wants_sse {
        visible?;
        let rx = subscribe(&state, &poll).await?;
        return Ok(sse::response(state.into_inner(), poll.id.clone(), rx, seat));
    }
    // A WebSocket viewer of an after_vote poll may still say who it is, in its hello.
    let await_hello = poll.results_visibility == ResultsVisibility::AfterVote
        && matches!(&visible, Err(e) if e.code == ErrorCode::ResultsHidden);
    let rx = if await_hello {
        None
    } else {
        visible?;
        Some(subscribe(&state, &poll).await?)
    };

    let (response, session, stream) = actix_ws::handle(&req, body).map_err(|e| {
        ApiError::validation(vec![pollcast_types::FieldError::new(
            "upgrade",
            format!("expected a WebSocket upgrade or Accept: text/event-stream ({e})"),
        )])
    })?;
    let settings = &state.context.settings;
    let timing = Timing {
        ping: Duration::from_secs(settings.ws_ping_secs),
        idle: Duration::from_secs(settings.ws_idle_secs),
    };
    let state = state.into_inner();
    let stream = stream.max_frame_size(MAX_CLIENT_FRAME);
    rt::spawn(async move {
        let _seat = seat;
        let Some((rx, stream)) = (match rx {
            Some(rx) => Some((rx, stream)),
            None => hello(&state, &poll, caller, ip, &session, stream).await,
        }) else {
            return;
        };
        serve_viewer(state, poll.id.clone(), session, stream, rx, timing).await;
    });
    Ok(response)
}

/// Waits for a viewer's hello and checks its voter token; closes the socket with
/// `results_hidden` when it does not come or does not prove a vote.
async fn hello(
    state: &Arc<BroadcastState>,
    poll: &Poll,
    caller: MaybeCaller,
    ip: Option<std::net::IpAddr>,
    session: &Session,
    mut stream: MessageStream,
) -> Option<(watch::Receiver<Option<Frame>>, MessageStream)> {
    let token = tokio::time::timeout(HELLO_TIMEOUT, async {
        while let Some(Ok(msg)) = stream.next().await {
            if let Message::Text(text) = msg {
                return serde_json::from_str::<Hello>(&text)
                    .ok()
                    .map(|h| h.voter_token);
            }
        }
        None
    })
    .await
    .ok()
    .flatten();
    let viewer = Viewer::new(poll, &caller, token, ip);
    let admitted = match visibility::check(state, poll, &viewer).await {
        Ok(_) => subscribe(state, poll).await.ok(),
        Err(_) => None,
    };
    if admitted.is_none() {
        let reason = CloseReason {
            code: CloseCode::Policy,
            description: Some(ErrorCode::ResultsHidden.as_str().to_owned()),
        };
        let _ = tokio::time::timeout(SEND_TIMEOUT, session.clone().close(Some(reason))).await;
    }
    admitted.map(|rx| (rx, stream))
}

/// Subscribes to a poll and makes sure the channel holds state at least as new as the counts
/// now: subscribing first means no snapshot published after this read can be missed.
pub async fn subscribe(
    state: &BroadcastState,
    poll: &pollcast_types::Poll,
) -> Result<watch::Receiver<Option<Frame>>, ApiError> {
    let rx = state.hub.subscribe(&poll.id);
    match current(state, poll).await {
        Ok(now) => {
            let frame = frame_of(&now.snapshot, now.status);
            state
                .hub
                .offer(&poll.id, state.viewers.stamp(&poll.id, frame));
            Ok(rx)
        }
        Err(e) => {
            drop(rx);
            state.hub.release(&poll.id);
            Err(e)
        }
    }
}

#[derive(Clone, Copy)]
struct Timing {
    ping: Duration,
    idle: Duration,
}

/// One viewer's own task: it joins the poll's crowd (which sends it the frames), answers and
/// sends pings, and leaves when the connection ends, goes quiet or refuses frames too long.
async fn serve_viewer(
    state: Arc<BroadcastState>,
    poll: PollId,
    mut session: Session,
    mut stream: MessageStream,
    rx: watch::Receiver<Option<Frame>>,
    timing: Timing,
) {
    metrics::gauge!("ws_connections").increment(1.0);
    let seat = crowd::join(&state, &poll, rx, session.clone());
    let mut last_heard = Instant::now();
    // Checked at least every SEND_TIMEOUT; a ping goes out every `ticks_per_ping` checks.
    let ticks_per_ping = timing
        .ping
        .as_secs()
        .div_ceil(SEND_TIMEOUT.as_secs())
        .max(1);
    let mut ping = tokio::time::interval(timing.ping / ticks_per_ping as u32);
    let mut ticks = 0u64;
    ping.tick().await;
    let reason = loop {
        tokio::select! {
            _ = state.context.draining.cancelled() => break "server restarting",
            _ = ping.tick() => {
                if last_heard.elapsed() > timing.idle {
                    break "idle";
                }
                if seat.refusing_for().is_some_and(|d| d > SEND_TIMEOUT) {
                    break "send timed out";
                }
                ticks += 1;
                if ticks.is_multiple_of(ticks_per_ping) {
                    // A viewer whose queue is full gets no ping either; it is refusing frames.
                    if let Some(Err(_)) = unconstrained(session.ping(b"")).now_or_never() {
                        break "closed";
                    }
                }
            }
            msg = stream.next() => {
                match msg {
                    Some(Ok(Message::Ping(bytes))) => {
                        last_heard = Instant::now();
                        if let Some(Err(_)) = unconstrained(session.pong(&bytes)).now_or_never() {
                            break "closed";
                        }
                    }
                    Some(Ok(Message::Close(_))) | None => break "closed by client",
                    Some(Ok(_)) => last_heard = Instant::now(),
                    Some(Err(_)) => break "protocol error",
                }
            }
        }
    };
    crowd::leave(&poll, &seat);
    tracing::debug!(poll = %poll, reason, "viewer left");
    metrics::counter!("ws_disconnects_total", "reason" => reason).increment(1);
    metrics::gauge!("ws_connections").decrement(1.0);
    let close = match reason {
        "idle" | "send timed out" => Some(CloseReason {
            code: CloseCode::Away,
            description: Some(reason.to_owned()),
        }),
        "protocol error" => Some(CloseCode::Size.into()),
        // 1012: the widget reconnects within half a second (jittered, so a crowd does not
        // come back at once), and the load balancer sends it to another instance.
        "server restarting" => Some(CloseReason {
            code: CloseCode::Restart,
            description: Some("reconnect".to_owned()),
        }),
        _ => None,
    };
    // The close frame may have to wait behind a full queue; a stuck viewer is not waited for.
    let _ = tokio::time::timeout(SEND_TIMEOUT, session.close(close)).await;
}
