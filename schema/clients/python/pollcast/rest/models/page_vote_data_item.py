from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.text_entry import TextEntry


T = TypeVar("T", bound="PageVoteDataItem")


@_attrs_define
class PageVoteDataItem:
    """One vote of the vote log.

    Attributes:
        vote_id (str): An opaque id: never assume its format.
        received_at (datetime.datetime):
        option_ids (list[str] | None | Unset): The chosen options (in rank order for ranked polls); absent for rating
            polls.
        rating (int | None | Unset): The score, rating polls only.
        entries (list[TextEntry] | None | Unset): The entries, open_text polls only.
        voter (None | str | Unset): A per-poll keyed hash of the voter's identity, never the identity.
        replaces (None | str | Unset):
    """

    vote_id: str
    received_at: datetime.datetime
    option_ids: list[str] | None | Unset = UNSET
    rating: int | None | Unset = UNSET
    entries: list[TextEntry] | None | Unset = UNSET
    voter: None | str | Unset = UNSET
    replaces: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        vote_id = self.vote_id

        received_at = self.received_at.isoformat()

        option_ids: list[str] | None | Unset
        if isinstance(self.option_ids, Unset):
            option_ids = UNSET
        elif isinstance(self.option_ids, list):
            option_ids = self.option_ids

        else:
            option_ids = self.option_ids

        rating: int | None | Unset
        if isinstance(self.rating, Unset):
            rating = UNSET
        else:
            rating = self.rating

        entries: list[dict[str, Any]] | None | Unset
        if isinstance(self.entries, Unset):
            entries = UNSET
        elif isinstance(self.entries, list):
            entries = []
            for entries_type_0_item_data in self.entries:
                entries_type_0_item = entries_type_0_item_data.to_dict()
                entries.append(entries_type_0_item)

        else:
            entries = self.entries

        voter: None | str | Unset
        if isinstance(self.voter, Unset):
            voter = UNSET
        else:
            voter = self.voter

        replaces: None | str | Unset
        if isinstance(self.replaces, Unset):
            replaces = UNSET
        else:
            replaces = self.replaces

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "vote_id": vote_id,
                "received_at": received_at,
            }
        )
        if option_ids is not UNSET:
            field_dict["option_ids"] = option_ids
        if rating is not UNSET:
            field_dict["rating"] = rating
        if entries is not UNSET:
            field_dict["entries"] = entries
        if voter is not UNSET:
            field_dict["voter"] = voter
        if replaces is not UNSET:
            field_dict["replaces"] = replaces

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.text_entry import TextEntry  # noqa: PLC0415

        d = dict(src_dict)
        vote_id = d.pop("vote_id")

        received_at = datetime.datetime.fromisoformat(d.pop("received_at"))

        def _parse_option_ids(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                option_ids_type_0 = cast(list[str], data)

                return option_ids_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        option_ids = _parse_option_ids(d.pop("option_ids", UNSET))

        def _parse_rating(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        rating = _parse_rating(d.pop("rating", UNSET))

        def _parse_entries(data: object) -> list[TextEntry] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                entries_type_0 = []
                _entries_type_0 = data
                for entries_type_0_item_data in _entries_type_0:
                    entries_type_0_item = TextEntry.from_dict(entries_type_0_item_data)

                    entries_type_0.append(entries_type_0_item)

                return entries_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[TextEntry] | None | Unset, data)

        entries = _parse_entries(d.pop("entries", UNSET))

        def _parse_voter(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        voter = _parse_voter(d.pop("voter", UNSET))

        def _parse_replaces(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        replaces = _parse_replaces(d.pop("replaces", UNSET))

        page_vote_data_item = cls(
            vote_id=vote_id,
            received_at=received_at,
            option_ids=option_ids,
            rating=rating,
            entries=entries,
            voter=voter,
            replaces=replaces,
        )

        page_vote_data_item.additional_properties = d
        return page_vote_data_item

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
