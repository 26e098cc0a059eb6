use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::http::header;
use bytes::Bytes;
use futures_util::stream;
use pollcast_types::PollId;
use tokio::sync::watch;

use crate::BroadcastState;
use crate::hub::Frame;
use crate::seats::Seat;
use crate::viewers::Watching;

/// Releases the poll in the hub when the SSE stream is dropped (client gone).
struct Subscription {
    state: Arc<BroadcastState>,
    poll: PollId,
    rx: watch::Receiver<Option<Frame>>,
    keepalive: Duration,
    first: bool,
    /// The process is stopping and the stream has said so: it ends.
    ended: bool,
    /// Held for the stream's life: its seat, and its place in the poll's viewer count.
    _held: (Seat, Watching),
}

impl Drop for Subscription {
    fn drop(&mut self) {
        // The receiver is dropped after this body runs; release sees it as still counted,
        // so swap it out first.
        let (_, dummy) = watch::channel(None);
        drop(std::mem::replace(&mut self.rx, dummy));
        self.state.hub.release(&self.poll);
    }
}

/// The live results as Server-Sent Events: `event: results` per snapshot, a comment line as
/// keep-alive.
pub fn response(
    state: Arc<BroadcastState>,
    poll: PollId,
    rx: watch::Receiver<Option<Frame>>,
    held: (Seat, Watching),
) -> HttpResponse {
    let keepalive = Duration::from_secs(state.context.settings.ws_ping_secs);
    let sub = Subscription {
        state,
        poll,
        rx,
        keepalive,
        first: true,
        ended: false,
        _held: held,
    };
    let body = stream::unfold(sub, |mut sub| async move {
        if sub.ended {
            return None;
        }
        if sub.first {
            sub.first = false;
            sub.rx.mark_changed();
        }
        let chunk = tokio::select! {
            changed = sub.rx.changed() => {
                changed.ok()?;
                let frame = sub.rx.borrow_and_update().clone();
                match frame {
                    Some(f) => {
                        let status = f.status.map(|s| format!("event: status\ndata: {s}\n\n")).unwrap_or_default();
                        Bytes::from(format!("{status}event: results\nid: {}\ndata: {}\n\n", f.seq, f.text))
                    }
                    None => Bytes::from_static(b": waiting\n\n"),
                }
            }
            _ = tokio::time::sleep(sub.keepalive) => Bytes::from_static(b": keep-alive\n\n"),
            // The process is stopping: the browser reconnects in a second (to another
            // instance behind the load balancer), as `retry` tells it.
            _ = sub.state.context.draining.cancelled() => {
                sub.ended = true;
                Bytes::from_static(b"retry: 1000\n: server restarting\n\n")
            }
        };
        Some((Ok::<_, actix_web::Error>(chunk), sub))
    });
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/event-stream"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body)
}
