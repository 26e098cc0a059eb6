from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Accepted")


@_attrs_define
class Accepted:
    """
    Attributes:
        vote_id (str): An opaque id: never assume its format.
        poll_id (str): An opaque id: never assume its format.
        accepted_at (datetime.datetime):
        replaced (None | str | Unset):
    """

    vote_id: str
    poll_id: str
    accepted_at: datetime.datetime
    replaced: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        vote_id = self.vote_id

        poll_id = self.poll_id

        accepted_at = self.accepted_at.isoformat()

        replaced: None | str | Unset
        if isinstance(self.replaced, Unset):
            replaced = UNSET
        else:
            replaced = self.replaced

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "vote_id": vote_id,
                "poll_id": poll_id,
                "accepted_at": accepted_at,
            }
        )
        if replaced is not UNSET:
            field_dict["replaced"] = replaced

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        vote_id = d.pop("vote_id")

        poll_id = d.pop("poll_id")

        accepted_at = datetime.datetime.fromisoformat(d.pop("accepted_at"))

        def _parse_replaced(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        replaced = _parse_replaced(d.pop("replaced", UNSET))

        accepted = cls(
            vote_id=vote_id,
            poll_id=poll_id,
            accepted_at=accepted_at,
            replaced=replaced,
        )

        accepted.additional_properties = d
        return accepted

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
