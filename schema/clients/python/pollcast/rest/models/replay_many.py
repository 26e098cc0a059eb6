from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ReplayMany")


@_attrs_define
class ReplayMany:
    """
    Attributes:
        status (str): `failed` (the only kind replayed in bulk).
        since (datetime.datetime):
    """

    status: str
    since: datetime.datetime

    def to_dict(self) -> dict[str, Any]:
        status = self.status

        since = self.since.isoformat()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "status": status,
                "since": since,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        status = d.pop("status")

        since = datetime.datetime.fromisoformat(d.pop("since"))

        replay_many = cls(
            status=status,
            since=since,
        )

        return replay_many
