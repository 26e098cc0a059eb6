from enum import StrEnum


class LiveResultsType(StrEnum):
    RESULTS = "results"

    def __str__(self) -> str:
        return str(self.value)
