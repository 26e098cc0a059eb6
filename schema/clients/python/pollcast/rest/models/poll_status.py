from enum import StrEnum


class PollStatus(StrEnum):
    CLOSED = "closed"
    DRAFT = "draft"
    OPEN = "open"
    SCHEDULED = "scheduled"

    def __str__(self) -> str:
        return str(self.value)
