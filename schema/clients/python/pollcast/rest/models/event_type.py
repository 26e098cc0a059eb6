from enum import StrEnum


class EventType(StrEnum):
    ENTRY_HIDDEN = "entry.hidden"
    POLL_CLOSED = "poll.closed"
    POLL_CREATED = "poll.created"
    POLL_DELETED = "poll.deleted"
    POLL_OPENED = "poll.opened"
    POLL_RESET = "poll.reset"
    POLL_UPDATED = "poll.updated"
    RESULTS_UPDATED = "results.updated"
    VOTE_CHANGED = "vote.changed"
    VOTE_CREATED = "vote.created"

    def __str__(self) -> str:
        return str(self.value)
