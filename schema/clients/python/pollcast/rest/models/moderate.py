from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.term_decision import TermDecision

T = TypeVar("T", bound="Moderate")


@_attrs_define
class Moderate:
    """The body of `POST /v1/polls/{id}/terms/moderate`.

    Attributes:
        term (str): The term as `GET /v1/polls/{id}/terms` names it.
        decision (TermDecision): What an owner does to a term.
    """

    term: str
    decision: TermDecision

    def to_dict(self) -> dict[str, Any]:
        term = self.term

        decision = self.decision.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "term": term,
                "decision": decision,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        term = d.pop("term")

        decision = TermDecision(d.pop("decision"))

        moderate = cls(
            term=term,
            decision=decision,
        )

        return moderate
