from enum import StrEnum


class Moderation(StrEnum):
    APPROVE = "approve"
    FILTER = "filter"
    NONE = "none"

    def __str__(self) -> str:
        return str(self.value)
