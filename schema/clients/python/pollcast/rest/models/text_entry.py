from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="TextEntry")


@_attrs_define
class TextEntry:
    """One entry of an open-text ballot, as the vote log keeps it.

    Attributes:
        text (str): As the voter wrote it, normalised to NFKC with its ends trimmed and inner whitespace
            runs made one space: the spelling the cloud may show.
        term (None | str | Unset): What the cloud counts it as: case-folded, stop words left out, maybe stemmed. `null`
            when nothing is left (an entry of stop words only).
        held (bool | Unset): It waited for the owner when it arrived: the poll asks for approval, or the profanity
            filter held it.
    """

    text: str
    term: None | str | Unset = UNSET
    held: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        text = self.text

        term: None | str | Unset
        if isinstance(self.term, Unset):
            term = UNSET
        else:
            term = self.term

        held = self.held

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "text": text,
            }
        )
        if term is not UNSET:
            field_dict["term"] = term
        if held is not UNSET:
            field_dict["held"] = held

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        text = d.pop("text")

        def _parse_term(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        term = _parse_term(d.pop("term", UNSET))

        held = d.pop("held", UNSET)

        text_entry = cls(
            text=text,
            term=term,
            held=held,
        )

        text_entry.additional_properties = d
        return text_entry

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
