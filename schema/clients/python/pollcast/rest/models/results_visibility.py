from enum import StrEnum


class ResultsVisibility(StrEnum):
    AFTER_CLOSE = "after_close"
    AFTER_VOTE = "after_vote"
    ALWAYS = "always"
    OWNER_ONLY = "owner_only"

    def __str__(self) -> str:
        return str(self.value)
