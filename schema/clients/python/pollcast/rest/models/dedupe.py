from enum import StrEnum


class Dedupe(StrEnum):
    BROWSER = "browser"
    IP = "ip"
    NONE = "none"
    VERIFIED = "verified"

    def __str__(self) -> str:
        return str(self.value)
