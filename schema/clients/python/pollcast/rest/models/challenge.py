from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Challenge")


@_attrs_define
class Challenge:
    """An ALTCHA challenge (<https://altcha.org>): find the `number` in `0..=maxnumber` for which
    `hex(SHA-256(salt + number))` is `challenge`, then send
    `base64({"algorithm","challenge","number","salt","signature"})` as the vote's `proof`.

        Attributes:
            algorithm (str): Always `SHA-256`.
            challenge (str):
            salt (str): Carries when the challenge expires (5 minutes) and the poll it is for.
            signature (str):
            maxnumber (int): The poll's current difficulty: it rises while the poll's votes look scripted.
    """

    algorithm: str
    challenge: str
    salt: str
    signature: str
    maxnumber: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        algorithm = self.algorithm

        challenge = self.challenge

        salt = self.salt

        signature = self.signature

        maxnumber = self.maxnumber

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "algorithm": algorithm,
                "challenge": challenge,
                "salt": salt,
                "signature": signature,
                "maxnumber": maxnumber,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        algorithm = d.pop("algorithm")

        challenge = d.pop("challenge")

        salt = d.pop("salt")

        signature = d.pop("signature")

        maxnumber = d.pop("maxnumber")

        challenge = cls(
            algorithm=algorithm,
            challenge=challenge,
            salt=salt,
            signature=signature,
            maxnumber=maxnumber,
        )

        challenge.additional_properties = d
        return challenge

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
