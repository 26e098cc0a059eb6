from enum import StrEnum


class TermDecision(StrEnum):
    APPROVE = "approve"
    HIDE = "hide"

    def __str__(self) -> str:
        return str(self.value)
