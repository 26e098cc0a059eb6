from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.live_status_status import LiveStatusStatus
from ..models.live_status_type import LiveStatusType

T = TypeVar("T", bound="LiveStatus")


@_attrs_define
class LiveStatus:
    """A lifecycle change, sent just before the results that show it; after `deleted` nothing more comes.

    Attributes:
        type_ (LiveStatusType):
        poll_id (str):
        status (LiveStatusStatus):
    """

    type_: LiveStatusType
    poll_id: str
    status: LiveStatusStatus
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_.value

        poll_id = self.poll_id

        status = self.status.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "poll_id": poll_id,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = LiveStatusType(d.pop("type"))

        poll_id = d.pop("poll_id")

        status = LiveStatusStatus(d.pop("status"))

        live_status = cls(
            type_=type_,
            poll_id=poll_id,
            status=status,
        )

        live_status.additional_properties = d
        return live_status

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
