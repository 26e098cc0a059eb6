from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.option_count import OptionCount


T = TypeVar("T", bound="RunoffRound")


@_attrs_define
class RunoffRound:
    """One round of an instant-runoff count.

    Attributes:
        round_ (int): 1-based.
        tallies (list[OptionCount]): The options still in the race this round, in poll order, with their counts.
        exhausted (int): Ballots that rank no option still in the race.
        eliminated (list[str]): Options eliminated at the end of this round.
        winner (None | str | Unset):
        tied (list[str] | Unset): Set on the last round when the remaining options tied.
    """

    round_: int
    tallies: list[OptionCount]
    exhausted: int
    eliminated: list[str]
    winner: None | str | Unset = UNSET
    tied: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        round_ = self.round_

        tallies = []
        for tallies_item_data in self.tallies:
            tallies_item = tallies_item_data.to_dict()
            tallies.append(tallies_item)

        exhausted = self.exhausted

        eliminated = self.eliminated

        winner: None | str | Unset
        if isinstance(self.winner, Unset):
            winner = UNSET
        else:
            winner = self.winner

        tied: list[str] | Unset = UNSET
        if not isinstance(self.tied, Unset):
            tied = self.tied

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "round": round_,
                "tallies": tallies,
                "exhausted": exhausted,
                "eliminated": eliminated,
            }
        )
        if winner is not UNSET:
            field_dict["winner"] = winner
        if tied is not UNSET:
            field_dict["tied"] = tied

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.option_count import OptionCount  # noqa: PLC0415

        d = dict(src_dict)
        round_ = d.pop("round")

        tallies = []
        _tallies = d.pop("tallies")
        for tallies_item_data in _tallies:
            tallies_item = OptionCount.from_dict(tallies_item_data)

            tallies.append(tallies_item)

        exhausted = d.pop("exhausted")

        eliminated = cast(list[str], d.pop("eliminated"))

        def _parse_winner(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        winner = _parse_winner(d.pop("winner", UNSET))

        tied = cast(list[str], d.pop("tied", UNSET))

        runoff_round = cls(
            round_=round_,
            tallies=tallies,
            exhausted=exhausted,
            eliminated=eliminated,
            winner=winner,
            tied=tied,
        )

        runoff_round.additional_properties = d
        return runoff_round

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
