from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.event_type import EventType

T = TypeVar("T", bound="TestEvent")


@_attrs_define
class TestEvent:
    """
    Attributes:
        event (EventType): What happened, as an integrator subscribes to it.
    """

    event: EventType

    def to_dict(self) -> dict[str, Any]:
        event = self.event.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "event": event,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        event = EventType(d.pop("event"))

        test_event = cls(
            event=event,
        )

        return test_event
