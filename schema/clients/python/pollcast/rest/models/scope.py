from enum import StrEnum


class Scope(StrEnum):
    ADMIN = "admin"
    POLLSREAD = "polls:read"
    POLLSWRITE = "polls:write"
    VOTESREAD = "votes:read"
    WEBHOOKSWRITE = "webhooks:write"

    def __str__(self) -> str:
        return str(self.value)
