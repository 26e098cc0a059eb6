from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.event_type import EventType
from ..types import UNSET, Unset

T = TypeVar("T", bound="NewWebhook")


@_attrs_define
class NewWebhook:
    """The body of `POST /v1/webhooks`.

    Attributes:
        url (str): `https` (or `http` where the operator allows it), on a public address.
        events (list[EventType]):
        poll_ids (list[str] | None | Unset): Only these polls' events; absent or `null`: every poll of the workspace.
        description (str | Unset):
        enabled (bool | Unset):
    """

    url: str
    events: list[EventType]
    poll_ids: list[str] | None | Unset = UNSET
    description: str | Unset = UNSET
    enabled: bool | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        url = self.url

        events = []
        for events_item_data in self.events:
            events_item = events_item_data.value
            events.append(events_item)

        poll_ids: list[str] | None | Unset
        if isinstance(self.poll_ids, Unset):
            poll_ids = UNSET
        elif isinstance(self.poll_ids, list):
            poll_ids = self.poll_ids

        else:
            poll_ids = self.poll_ids

        description = self.description

        enabled = self.enabled

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "url": url,
                "events": events,
            }
        )
        if poll_ids is not UNSET:
            field_dict["poll_ids"] = poll_ids
        if description is not UNSET:
            field_dict["description"] = description
        if enabled is not UNSET:
            field_dict["enabled"] = enabled

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        url = d.pop("url")

        events = []
        _events = d.pop("events")
        for events_item_data in _events:
            events_item = EventType(events_item_data)

            events.append(events_item)

        def _parse_poll_ids(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                poll_ids_type_0 = cast(list[str], data)

                return poll_ids_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        poll_ids = _parse_poll_ids(d.pop("poll_ids", UNSET))

        description = d.pop("description", UNSET)

        enabled = d.pop("enabled", UNSET)

        new_webhook = cls(
            url=url,
            events=events,
            poll_ids=poll_ids,
            description=description,
            enabled=enabled,
        )

        return new_webhook
