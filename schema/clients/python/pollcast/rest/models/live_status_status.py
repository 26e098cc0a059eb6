from enum import StrEnum


class LiveStatusStatus(StrEnum):
    CLOSED = "closed"
    DELETED = "deleted"
    OPEN = "open"

    def __str__(self) -> str:
        return str(self.value)
