from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CastVote")


@_attrs_define
class CastVote:
    """The body of `POST /v1/polls/{id}/votes`.

    Attributes:
        option_ids (list[str] | Unset): The chosen options; for ranked polls in rank order, most preferred first. Not
            for
            rating polls.
        rating (int | None | Unset): For rating polls; any integer is read so an out-of-range score gets a clear error.
        entries (list[str] | None | Unset): For open_text polls: 1 to the poll's `max_entries_per_voter` short answers,
            each at
            most `max_length` characters.
        voter_token (None | str | Unset): From `POST /v1/voters` (`browser` polls), or the integrator-signed JWT
            (`verified`).
        proof (None | str | Unset): Polls with `bot_protection: proof_of_work`: a solved challenge from `GET
            /v1/polls/{id}/challenge`, as ALTCHA's base64 payload. Each solves for one vote.
    """

    option_ids: list[str] | Unset = UNSET
    rating: int | None | Unset = UNSET
    entries: list[str] | None | Unset = UNSET
    voter_token: None | str | Unset = UNSET
    proof: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        option_ids: list[str] | Unset = UNSET
        if not isinstance(self.option_ids, Unset):
            option_ids = self.option_ids

        rating: int | None | Unset
        if isinstance(self.rating, Unset):
            rating = UNSET
        else:
            rating = self.rating

        entries: list[str] | None | Unset
        if isinstance(self.entries, Unset):
            entries = UNSET
        elif isinstance(self.entries, list):
            entries = self.entries

        else:
            entries = self.entries

        voter_token: None | str | Unset
        if isinstance(self.voter_token, Unset):
            voter_token = UNSET
        else:
            voter_token = self.voter_token

        proof: None | str | Unset
        if isinstance(self.proof, Unset):
            proof = UNSET
        else:
            proof = self.proof

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if option_ids is not UNSET:
            field_dict["option_ids"] = option_ids
        if rating is not UNSET:
            field_dict["rating"] = rating
        if entries is not UNSET:
            field_dict["entries"] = entries
        if voter_token is not UNSET:
            field_dict["voter_token"] = voter_token
        if proof is not UNSET:
            field_dict["proof"] = proof

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        option_ids = cast(list[str], d.pop("option_ids", UNSET))

        def _parse_rating(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        rating = _parse_rating(d.pop("rating", UNSET))

        def _parse_entries(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                entries_type_0 = cast(list[str], data)

                return entries_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        entries = _parse_entries(d.pop("entries", UNSET))

        def _parse_voter_token(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        voter_token = _parse_voter_token(d.pop("voter_token", UNSET))

        def _parse_proof(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        proof = _parse_proof(d.pop("proof", UNSET))

        cast_vote = cls(
            option_ids=option_ids,
            rating=rating,
            entries=entries,
            voter_token=voter_token,
            proof=proof,
        )

        return cast_vote
