from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.audit_line import AuditLine


T = TypeVar("T", bound="Audit")


@_attrs_define
class Audit:
    """What an audit found.

    Attributes:
        consistent (bool): Every count recounted from the log equals the live one.
        log_total (int): Votes of the current epoch in the vote log.
        live_total (int): Votes the live counts hold.
        options (list[AuditLine]): Per option (per score for rating polls): its votes (first preferences for ranked
            polls) in the log and live.
        ballots_differing (int | None | Unset): Ranked polls: ballots (whole rankings) whose log and live counts differ.
        terms_differing (int | None | Unset): Open-text polls: terms whose log and live counts differ (`total_entries`
            is compared
            as `consistent` says).
    """

    consistent: bool
    log_total: int
    live_total: int
    options: list[AuditLine]
    ballots_differing: int | None | Unset = UNSET
    terms_differing: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        consistent = self.consistent

        log_total = self.log_total

        live_total = self.live_total

        options = []
        for options_item_data in self.options:
            options_item = options_item_data.to_dict()
            options.append(options_item)

        ballots_differing: int | None | Unset
        if isinstance(self.ballots_differing, Unset):
            ballots_differing = UNSET
        else:
            ballots_differing = self.ballots_differing

        terms_differing: int | None | Unset
        if isinstance(self.terms_differing, Unset):
            terms_differing = UNSET
        else:
            terms_differing = self.terms_differing

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "consistent": consistent,
                "log_total": log_total,
                "live_total": live_total,
                "options": options,
            }
        )
        if ballots_differing is not UNSET:
            field_dict["ballots_differing"] = ballots_differing
        if terms_differing is not UNSET:
            field_dict["terms_differing"] = terms_differing

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.audit_line import AuditLine  # noqa: PLC0415

        d = dict(src_dict)
        consistent = d.pop("consistent")

        log_total = d.pop("log_total")

        live_total = d.pop("live_total")

        options = []
        _options = d.pop("options")
        for options_item_data in _options:
            options_item = AuditLine.from_dict(options_item_data)

            options.append(options_item)

        def _parse_ballots_differing(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        ballots_differing = _parse_ballots_differing(d.pop("ballots_differing", UNSET))

        def _parse_terms_differing(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        terms_differing = _parse_terms_differing(d.pop("terms_differing", UNSET))

        audit = cls(
            consistent=consistent,
            log_total=log_total,
            live_total=live_total,
            options=options,
            ballots_differing=ballots_differing,
            terms_differing=terms_differing,
        )

        audit.additional_properties = d
        return audit

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
