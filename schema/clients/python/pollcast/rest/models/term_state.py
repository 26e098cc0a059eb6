from enum import StrEnum


class TermState(StrEnum):
    APPROVED = "approved"
    HIDDEN = "hidden"
    PENDING = "pending"
    SHOWN = "shown"

    def __str__(self) -> str:
        return str(self.value)
