from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="HiddenTerm")


@_attrs_define
class HiddenTerm:
    """A term an owner hid: the data of the `entry.hidden` event.

    Attributes:
        term (str):
        text (str): The spelling the cloud showed.
        entries (int): Entries counted as the term when it was hidden.
        hidden_at (datetime.datetime):
    """

    term: str
    text: str
    entries: int
    hidden_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        term = self.term

        text = self.text

        entries = self.entries

        hidden_at = self.hidden_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "term": term,
                "text": text,
                "entries": entries,
                "hidden_at": hidden_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        term = d.pop("term")

        text = d.pop("text")

        entries = d.pop("entries")

        hidden_at = datetime.datetime.fromisoformat(d.pop("hidden_at"))

        hidden_term = cls(
            term=term,
            text=text,
            entries=entries,
            hidden_at=hidden_at,
        )

        hidden_term.additional_properties = d
        return hidden_term

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
