from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.event_type import EventType
from ..types import UNSET, Unset

T = TypeVar("T", bound="PageWebhookAttemptDataItem")


@_attrs_define
class PageWebhookAttemptDataItem:
    """One attempt to deliver an event to an endpoint, as the delivery log keeps it.

    Attributes:
        id (str):
        webhook_id (str):
        delivery_id (str): The delivery, and its `webhook-id` header: the same on every attempt and replay.
        event_id (str):
        event (EventType): What happened, as an integrator subscribes to it.
        attempt (int): 1 for the first attempt.
        status (str): `succeeded` or `failed`.
        latency_ms (int):
        response_excerpt (str): The first 1 KiB of the receiver's answer.
        attempted_at (datetime.datetime):
        http_status (int | None | Unset): The receiver's HTTP status, if it answered.
        error (None | str | Unset): `timeout`, `dns`, `connect`, `tls`, `forbidden_target` or `http_status`.
        next_attempt_at (datetime.datetime | None | Unset):
    """

    id: str
    webhook_id: str
    delivery_id: str
    event_id: str
    event: EventType
    attempt: int
    status: str
    latency_ms: int
    response_excerpt: str
    attempted_at: datetime.datetime
    http_status: int | None | Unset = UNSET
    error: None | str | Unset = UNSET
    next_attempt_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        webhook_id = self.webhook_id

        delivery_id = self.delivery_id

        event_id = self.event_id

        event = self.event.value

        attempt = self.attempt

        status = self.status

        latency_ms = self.latency_ms

        response_excerpt = self.response_excerpt

        attempted_at = self.attempted_at.isoformat()

        http_status: int | None | Unset
        if isinstance(self.http_status, Unset):
            http_status = UNSET
        else:
            http_status = self.http_status

        error: None | str | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        else:
            error = self.error

        next_attempt_at: None | str | Unset
        if isinstance(self.next_attempt_at, Unset):
            next_attempt_at = UNSET
        elif isinstance(self.next_attempt_at, datetime.datetime):
            next_attempt_at = self.next_attempt_at.isoformat()
        else:
            next_attempt_at = self.next_attempt_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "webhook_id": webhook_id,
                "delivery_id": delivery_id,
                "event_id": event_id,
                "event": event,
                "attempt": attempt,
                "status": status,
                "latency_ms": latency_ms,
                "response_excerpt": response_excerpt,
                "attempted_at": attempted_at,
            }
        )
        if http_status is not UNSET:
            field_dict["http_status"] = http_status
        if error is not UNSET:
            field_dict["error"] = error
        if next_attempt_at is not UNSET:
            field_dict["next_attempt_at"] = next_attempt_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        webhook_id = d.pop("webhook_id")

        delivery_id = d.pop("delivery_id")

        event_id = d.pop("event_id")

        event = EventType(d.pop("event"))

        attempt = d.pop("attempt")

        status = d.pop("status")

        latency_ms = d.pop("latency_ms")

        response_excerpt = d.pop("response_excerpt")

        attempted_at = datetime.datetime.fromisoformat(d.pop("attempted_at"))

        def _parse_http_status(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        http_status = _parse_http_status(d.pop("http_status", UNSET))

        def _parse_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        def _parse_next_attempt_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_attempt_at_type_1 = datetime.datetime.fromisoformat(data)

                return next_attempt_at_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        next_attempt_at = _parse_next_attempt_at(d.pop("next_attempt_at", UNSET))

        page_webhook_attempt_data_item = cls(
            id=id,
            webhook_id=webhook_id,
            delivery_id=delivery_id,
            event_id=event_id,
            event=event,
            attempt=attempt,
            status=status,
            latency_ms=latency_ms,
            response_excerpt=response_excerpt,
            attempted_at=attempted_at,
            http_status=http_status,
            error=error,
            next_attempt_at=next_attempt_at,
        )

        page_webhook_attempt_data_item.additional_properties = d
        return page_webhook_attempt_data_item

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
