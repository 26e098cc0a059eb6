use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, rt, web};
use actix_ws::{CloseCode, CloseReason, Message, MessageStream, Session};
use futures_util::{FutureExt, StreamExt};
use pollcast_http::ApiError;
use pollcast_types::PollId;
use tokio::sync::watch;
use tokio::task::coop::unconstrained;

use crate::BroadcastState;
use crate::counts::{current, frame_of};
use crate::crowd;
use crate::hub::Frame;
use crate::sse;
use crate::visibility::{self, Viewer, ViewerQuery};
use pollcast_auth::MaybeCaller;

/// Largest frame a viewer may send. Viewers have nothing to say beyond pongs.
const MAX_CLIENT_FRAME: usize = 1024;
/// A viewer that refuses frames (its queue full) for this long is dropped.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// `GET /v1/polls/{id}/live`: a WebSocket, or Server-Sent Events with
/// `Accept: text/event-stream`.
#[utoipa::path(
    get, path = "/v1/polls/{poll_id}/live", operation_id = "follow_results", tag = "results", security((), ("bearer" = [])),
    params(("poll_id" = String, Path, description = "The poll's id"), ViewerQuery),
    responses(
        (status = 101, description = "WebSocket (send the upgrade headers): a `results` message on connect and on every change, at most one per 100 ms, and `status` messages on lifecycle changes"),
        (status = 200, description = "With `Accept: text/event-stream`: the same messages as Server-Sent Events", content_type = "text/event-stream", body = String),
    ),
)]
pub async fn live(
    state: web::Data<BroadcastState>,
    path: web::Path<String>,
    caller: MaybeCaller,
    query: web::Query<ViewerQuery>,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let poll = state.polls.find_public(&path).await?;
    let ip = state.context.proxies.client_ip(&req);
    let viewer = Viewer::new(&poll, caller, query.into_inner(), ip);
    visibility::check(&state, &poll, &viewer).await?;
    let rx = subscribe(&state, &poll).await?;

    let wants_sse = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/event-stream"));
    if wants_sse {
        return Ok(sse::response(state.into_inner(), poll.id.clone(), rx));
    }

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
    rt::spawn(serve_viewer(
        state.into_inner(),
        poll.id.clone(),
        session,
        stream.max_frame_size(MAX_CLIENT_FRAME),
        rx,
        timing,
    ));
    Ok(response)
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
            state
                .hub
                .offer(&poll.id, frame_of(&now.snapshot, now.status));
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
        _ => None,
    };
    // The close frame may have to wait behind a full queue; a stuck viewer is not waited for.
    let _ = tokio::time::timeout(SEND_TIMEOUT, session.close(close)).await;
}
