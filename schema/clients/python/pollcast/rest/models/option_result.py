from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="OptionResult")


@_attrs_define
class OptionResult:
    """
    Attributes:
        id (str):
        label (str):
        votes (int):
        share (float): Fraction of all votes (of first preferences, for ranked polls), 0..1, rounded to 4
            places. In a multiple-choice poll the shares add up to more than 1.
    """

    id: str
    label: str
    votes: int
    share: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        label = self.label

        votes = self.votes

        share = self.share

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "label": label,
                "votes": votes,
                "share": share,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        label = d.pop("label")

        votes = d.pop("votes")

        share = d.pop("share")

        option_result = cls(
            id=id,
            label=label,
            votes=votes,
            share=share,
        )

        option_result.additional_properties = d
        return option_result

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
