from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.term_state import TermState

T = TypeVar("T", bound="TermView")


@_attrs_define
class TermView:
    """One term as the owner sees it.

    Attributes:
        term (str): What entries are counted as (case-folded, stop words out, maybe stemmed).
        text (str): The most frequent spelling of its entries.
        count (int):
        state (TermState): What an owner decided about a term.
    """

    term: str
    text: str
    count: int
    state: TermState
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        term = self.term

        text = self.text

        count = self.count

        state = self.state.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "term": term,
                "text": text,
                "count": count,
                "state": state,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        term = d.pop("term")

        text = d.pop("text")

        count = d.pop("count")

        state = TermState(d.pop("state"))

        term_view = cls(
            term=term,
            text=text,
            count=count,
            state=state,
        )

        term_view.additional_properties = d
        return term_view

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
