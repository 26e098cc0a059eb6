use std::collections::HashMap;
use std::sync::Mutex;

use bytestring::ByteString;
use pollcast_types::PollId;
use tokio::sync::watch;

/// A serialised `results` message and its `seq`. Cloning shares the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub seq: u64,
    pub text: ByteString,
    /// A lifecycle announcement, sent just before `text`.
    pub status: Option<ByteString>,
}

/// The newest frame of each poll that has viewers here. A `watch` channel keeps only the
/// latest value, which is exactly the skip-ahead a slow viewer needs.
#[derive(Default)]
pub struct Hub {
    polls: Mutex<HashMap<PollId, watch::Sender<Option<Frame>>>>,
}

impl Hub {
    /// Subscribes to a poll's frames, creating its channel if it has none yet.
    pub fn subscribe(&self, poll: &PollId) -> watch::Receiver<Option<Frame>> {
        match self.polls.lock() {
            Ok(mut polls) => polls
                .entry(poll.clone())
                .or_insert_with(|| watch::channel(None).0)
                .subscribe(),
            Err(_) => watch::channel(None).1,
        }
    }

    /// Offers a frame; it replaces the current one only if it is newer. Polls nobody here
    /// watches are ignored.
    pub fn offer(&self, poll: &PollId, frame: Frame) -> bool {
        let Ok(polls) = self.polls.lock() else {
            return false;
        };
        let Some(tx) = polls.get(poll) else {
            return false;
        };
        tx.send_if_modified(|current| {
            if current.as_ref().is_none_or(|c| frame.seq > c.seq) {
                *current = Some(frame);
                true
            } else {
                false
            }
        })
    }

    /// Forgets a poll once its last viewer here has gone.
    pub fn release(&self, poll: &PollId) {
        if let Ok(mut polls) = self.polls.lock()
            && polls.get(poll).is_some_and(|tx| tx.receiver_count() == 0)
        {
            polls.remove(poll);
        }
    }

    pub fn watched_polls(&self) -> Vec<PollId> {
        self.polls
            .lock()
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(seq: u64) -> Frame {
        Frame {
            seq,
            text: ByteString::from(format!("{seq}")),
            status: None,
        }
    }

    #[test]
    fn keeps_only_the_newest_frame_and_forgets_unwatched_polls() {
        let hub = Hub::default();
        let poll = PollId::parse("p").unwrap();
        assert!(!hub.offer(&poll, frame(1)), "no viewers: ignored");
        let mut rx = hub.subscribe(&poll);
        assert!(hub.offer(&poll, frame(3)));
        assert!(
            !hub.offer(&poll, frame(2)),
            "older seq never replaces newer"
        );
        assert!(hub.offer(&poll, frame(5)));
        assert_eq!(rx.borrow_and_update().as_ref().map(|f| f.seq), Some(5));
        hub.release(&poll);
        assert_eq!(hub.watched_polls().len(), 1, "still watched");
        drop(rx);
        hub.release(&poll);
        assert!(hub.watched_polls().is_empty());
    }
}
