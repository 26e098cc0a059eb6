from enum import StrEnum


class LiveStatusType(StrEnum):
    STATUS = "status"

    def __str__(self) -> str:
        return str(self.value)
