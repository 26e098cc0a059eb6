from enum import StrEnum


class VoteChange(StrEnum):
    NEVER = "never"
    WHILE_OPEN = "while_open"

    def __str__(self) -> str:
        return str(self.value)
