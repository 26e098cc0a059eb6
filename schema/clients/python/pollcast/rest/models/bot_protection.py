from enum import StrEnum


class BotProtection(StrEnum):
    OFF = "off"
    PROOF_OF_WORK = "proof_of_work"

    def __str__(self) -> str:
        return str(self.value)
