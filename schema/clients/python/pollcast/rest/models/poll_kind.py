from enum import StrEnum


class PollKind(StrEnum):
    MULTIPLE = "multiple"
    OPEN_TEXT = "open_text"
    RANKED = "ranked"
    RATING = "rating"
    SINGLE = "single"

    def __str__(self) -> str:
        return str(self.value)
