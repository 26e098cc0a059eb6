from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.live_results_type import LiveResultsType
from ..models.poll_status import PollStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.option_count import OptionCount
    from ..models.runoff_round import RunoffRound
    from ..models.score_count import ScoreCount
    from ..models.term_count import TermCount


T = TypeVar("T", bound="LiveResults")


@_attrs_define
class LiveResults:
    """A poll's full results, on connect and after every change (at most one per 100 ms per poll): a missed message needs
    nothing.

        Attributes:
            type_ (LiveResultsType):
            poll_id (str):
            seq (int): Only grows: of two messages the one with the larger `seq` is the newer.
            status (PollStatus):
            total_votes (int):
            options (list[OptionCount]): Per option its votes (its first preferences, for ranked polls); `[]` for rating and
                open-text polls.
            viewers (int): How many watch the poll (WebSocket and SSE), over every instance.
            rounds (list[RunoffRound] | Unset): Ranked polls: the instant-runoff rounds, `[]` before the first vote.
            distribution (list[ScoreCount] | Unset): Rating polls: every score from 1 to the scale.
            mean (float | None | Unset): Rating polls: the mean score, 2 places; `null` before the first vote.
            terms (list[TermCount] | Unset): Open-text polls: the cloud's terms, most entries first (ties alphabetical), at
                most 100; terms hidden or awaiting approval are left out.
            total_entries (int | Unset): Open-text polls: entries counted, shown or not.
    """

    type_: LiveResultsType
    poll_id: str
    seq: int
    status: PollStatus
    total_votes: int
    options: list[OptionCount]
    viewers: int
    rounds: list[RunoffRound] | Unset = UNSET
    distribution: list[ScoreCount] | Unset = UNSET
    mean: float | None | Unset = UNSET
    terms: list[TermCount] | Unset = UNSET
    total_entries: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_.value

        poll_id = self.poll_id

        seq = self.seq

        status = self.status.value

        total_votes = self.total_votes

        options = []
        for options_item_data in self.options:
            options_item = options_item_data.to_dict()
            options.append(options_item)

        viewers = self.viewers

        rounds: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.rounds, Unset):
            rounds = []
            for rounds_item_data in self.rounds:
                rounds_item = rounds_item_data.to_dict()
                rounds.append(rounds_item)

        distribution: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.distribution, Unset):
            distribution = []
            for distribution_item_data in self.distribution:
                distribution_item = distribution_item_data.to_dict()
                distribution.append(distribution_item)

        mean: float | None | Unset
        if isinstance(self.mean, Unset):
            mean = UNSET
        else:
            mean = self.mean

        terms: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.terms, Unset):
            terms = []
            for terms_item_data in self.terms:
                terms_item = terms_item_data.to_dict()
                terms.append(terms_item)

        total_entries = self.total_entries

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "poll_id": poll_id,
                "seq": seq,
                "status": status,
                "total_votes": total_votes,
                "options": options,
                "viewers": viewers,
            }
        )
        if rounds is not UNSET:
            field_dict["rounds"] = rounds
        if distribution is not UNSET:
            field_dict["distribution"] = distribution
        if mean is not UNSET:
            field_dict["mean"] = mean
        if terms is not UNSET:
            field_dict["terms"] = terms
        if total_entries is not UNSET:
            field_dict["total_entries"] = total_entries

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.option_count import OptionCount  # noqa: PLC0415
        from ..models.runoff_round import RunoffRound  # noqa: PLC0415
        from ..models.score_count import ScoreCount  # noqa: PLC0415
        from ..models.term_count import TermCount  # noqa: PLC0415

        d = dict(src_dict)
        type_ = LiveResultsType(d.pop("type"))

        poll_id = d.pop("poll_id")

        seq = d.pop("seq")

        status = PollStatus(d.pop("status"))

        total_votes = d.pop("total_votes")

        options = []
        _options = d.pop("options")
        for options_item_data in _options:
            options_item = OptionCount.from_dict(options_item_data)

            options.append(options_item)

        viewers = d.pop("viewers")

        _rounds = d.pop("rounds", UNSET)
        rounds: list[RunoffRound] | Unset = UNSET
        if _rounds is not UNSET:
            rounds = []
            for rounds_item_data in _rounds:
                rounds_item = RunoffRound.from_dict(rounds_item_data)

                rounds.append(rounds_item)

        _distribution = d.pop("distribution", UNSET)
        distribution: list[ScoreCount] | Unset = UNSET
        if _distribution is not UNSET:
            distribution = []
            for distribution_item_data in _distribution:
                distribution_item = ScoreCount.from_dict(distribution_item_data)

                distribution.append(distribution_item)

        def _parse_mean(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        mean = _parse_mean(d.pop("mean", UNSET))

        _terms = d.pop("terms", UNSET)
        terms: list[TermCount] | Unset = UNSET
        if _terms is not UNSET:
            terms = []
            for terms_item_data in _terms:
                terms_item = TermCount.from_dict(terms_item_data)

                terms.append(terms_item)

        total_entries = d.pop("total_entries", UNSET)

        live_results = cls(
            type_=type_,
            poll_id=poll_id,
            seq=seq,
            status=status,
            total_votes=total_votes,
            options=options,
            viewers=viewers,
            rounds=rounds,
            distribution=distribution,
            mean=mean,
            terms=terms,
            total_entries=total_entries,
        )

        live_results.additional_properties = d
        return live_results

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
