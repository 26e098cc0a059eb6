from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.bot_protection import BotProtection
from ..models.dedupe import Dedupe
from ..models.moderation import Moderation
from ..models.poll_kind import PollKind
from ..models.results_visibility import ResultsVisibility
from ..models.text_language import TextLanguage
from ..models.vote_change import VoteChange
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.new_option import NewOption
    from ..models.new_poll_metadata import NewPollMetadata


T = TypeVar("T", bound="NewPoll")


@_attrs_define
class NewPoll:
    """The body of `POST /v1/polls`.

    Attributes:
        question (str): 1 to 500 characters.
        options (list[NewOption] | Unset): 2 to 50, for every kind but `rating`, which has none.
        kind (PollKind | Unset):
        min_choices (int | None | Unset): `multiple` and `ranked` only; default 1.
        max_choices (int | None | Unset): `multiple` and `ranked` only; default: the number of options.
        scale (int | None | Unset): `rating` only: 5 (the default) or 10.
        opens_at (datetime.datetime | None | Unset):
        closes_at (datetime.datetime | None | Unset):
        close_after_votes (int | None | Unset): The poll closes by itself on reaching this many votes.
        results_visibility (ResultsVisibility | Unset):
        dedupe (Dedupe | Unset):
        metadata (NewPollMetadata | Unset): Free-form JSON the integrator keeps with the poll (at most 4 KiB
            serialised).
        draft (bool | Unset): Create as a draft (not votable, not public) instead of open or scheduled.
        embed_origins (list[str] | None | Unset): The origins allowed to embed the poll (`https://example.com`); absent
            or `null`: any.
        bot_protection (BotProtection | Unset): Whether a browser vote must carry a solved proof-of-work challenge
            (docs/bot-protection.md).
            Off by default: protection costs every visitor a moment of CPU and is worth it only on
            polls that attract scripted voting; an owner turns it on per poll.
        vote_change (VoteChange | Unset): Whether a voter may replace their ballot. Fixed at creation: the poll's record
            of who voted
            takes another shape when voters may change their minds.
        max_length (int | None | Unset): `open_text` only: most characters per entry, 1 to 200; default 40.
        max_entries_per_voter (int | None | Unset): `open_text` only: most entries per ballot, 1 to 10; default 3.
        moderation (Moderation | None | Unset):
        stemming (bool | None | Unset): `open_text` only: count words by their stem ("running" as "run"). Default
            `false`.
        language (None | TextLanguage | Unset):
    """

    question: str
    options: list[NewOption] | Unset = UNSET
    kind: PollKind | Unset = UNSET
    min_choices: int | None | Unset = UNSET
    max_choices: int | None | Unset = UNSET
    scale: int | None | Unset = UNSET
    opens_at: datetime.datetime | None | Unset = UNSET
    closes_at: datetime.datetime | None | Unset = UNSET
    close_after_votes: int | None | Unset = UNSET
    results_visibility: ResultsVisibility | Unset = UNSET
    dedupe: Dedupe | Unset = UNSET
    metadata: NewPollMetadata | Unset = UNSET
    draft: bool | Unset = UNSET
    embed_origins: list[str] | None | Unset = UNSET
    bot_protection: BotProtection | Unset = UNSET
    vote_change: VoteChange | Unset = UNSET
    max_length: int | None | Unset = UNSET
    max_entries_per_voter: int | None | Unset = UNSET
    moderation: Moderation | None | Unset = UNSET
    stemming: bool | None | Unset = UNSET
    language: None | TextLanguage | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        question = self.question

        options: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.options, Unset):
            options = []
            for options_item_data in self.options:
                options_item = options_item_data.to_dict()
                options.append(options_item)

        kind: str | Unset = UNSET
        if not isinstance(self.kind, Unset):
            kind = self.kind.value

        min_choices: int | None | Unset
        if isinstance(self.min_choices, Unset):
            min_choices = UNSET
        else:
            min_choices = self.min_choices

        max_choices: int | None | Unset
        if isinstance(self.max_choices, Unset):
            max_choices = UNSET
        else:
            max_choices = self.max_choices

        scale: int | None | Unset
        if isinstance(self.scale, Unset):
            scale = UNSET
        else:
            scale = self.scale

        opens_at: None | str | Unset
        if isinstance(self.opens_at, Unset):
            opens_at = UNSET
        elif isinstance(self.opens_at, datetime.datetime):
            opens_at = self.opens_at.isoformat()
        else:
            opens_at = self.opens_at

        closes_at: None | str | Unset
        if isinstance(self.closes_at, Unset):
            closes_at = UNSET
        elif isinstance(self.closes_at, datetime.datetime):
            closes_at = self.closes_at.isoformat()
        else:
            closes_at = self.closes_at

        close_after_votes: int | None | Unset
        if isinstance(self.close_after_votes, Unset):
            close_after_votes = UNSET
        else:
            close_after_votes = self.close_after_votes

        results_visibility: str | Unset = UNSET
        if not isinstance(self.results_visibility, Unset):
            results_visibility = self.results_visibility.value

        dedupe: str | Unset = UNSET
        if not isinstance(self.dedupe, Unset):
            dedupe = self.dedupe.value

        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

        draft = self.draft

        embed_origins: list[str] | None | Unset
        if isinstance(self.embed_origins, Unset):
            embed_origins = UNSET
        elif isinstance(self.embed_origins, list):
            embed_origins = self.embed_origins

        else:
            embed_origins = self.embed_origins

        bot_protection: str | Unset = UNSET
        if not isinstance(self.bot_protection, Unset):
            bot_protection = self.bot_protection.value

        vote_change: str | Unset = UNSET
        if not isinstance(self.vote_change, Unset):
            vote_change = self.vote_change.value

        max_length: int | None | Unset
        if isinstance(self.max_length, Unset):
            max_length = UNSET
        else:
            max_length = self.max_length

        max_entries_per_voter: int | None | Unset
        if isinstance(self.max_entries_per_voter, Unset):
            max_entries_per_voter = UNSET
        else:
            max_entries_per_voter = self.max_entries_per_voter

        moderation: None | str | Unset
        if isinstance(self.moderation, Unset):
            moderation = UNSET
        elif isinstance(self.moderation, Moderation):
            moderation = self.moderation.value
        else:
            moderation = self.moderation

        stemming: bool | None | Unset
        if isinstance(self.stemming, Unset):
            stemming = UNSET
        else:
            stemming = self.stemming

        language: None | str | Unset
        if isinstance(self.language, Unset):
            language = UNSET
        elif isinstance(self.language, TextLanguage):
            language = self.language.value
        else:
            language = self.language

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "question": question,
            }
        )
        if options is not UNSET:
            field_dict["options"] = options
        if kind is not UNSET:
            field_dict["kind"] = kind
        if min_choices is not UNSET:
            field_dict["min_choices"] = min_choices
        if max_choices is not UNSET:
            field_dict["max_choices"] = max_choices
        if scale is not UNSET:
            field_dict["scale"] = scale
        if opens_at is not UNSET:
            field_dict["opens_at"] = opens_at
        if closes_at is not UNSET:
            field_dict["closes_at"] = closes_at
        if close_after_votes is not UNSET:
            field_dict["close_after_votes"] = close_after_votes
        if results_visibility is not UNSET:
            field_dict["results_visibility"] = results_visibility
        if dedupe is not UNSET:
            field_dict["dedupe"] = dedupe
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if draft is not UNSET:
            field_dict["draft"] = draft
        if embed_origins is not UNSET:
            field_dict["embed_origins"] = embed_origins
        if bot_protection is not UNSET:
            field_dict["bot_protection"] = bot_protection
        if vote_change is not UNSET:
            field_dict["vote_change"] = vote_change
        if max_length is not UNSET:
            field_dict["max_length"] = max_length
        if max_entries_per_voter is not UNSET:
            field_dict["max_entries_per_voter"] = max_entries_per_voter
        if moderation is not UNSET:
            field_dict["moderation"] = moderation
        if stemming is not UNSET:
            field_dict["stemming"] = stemming
        if language is not UNSET:
            field_dict["language"] = language

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.new_option import NewOption  # noqa: PLC0415
        from ..models.new_poll_metadata import NewPollMetadata  # noqa: PLC0415

        d = dict(src_dict)
        question = d.pop("question")

        _options = d.pop("options", UNSET)
        options: list[NewOption] | Unset = UNSET
        if _options is not UNSET:
            options = []
            for options_item_data in _options:
                options_item = NewOption.from_dict(options_item_data)

                options.append(options_item)

        _kind = d.pop("kind", UNSET)
        kind: PollKind | Unset
        if isinstance(_kind, Unset):
            kind = UNSET
        else:
            kind = PollKind(_kind)

        def _parse_min_choices(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        min_choices = _parse_min_choices(d.pop("min_choices", UNSET))

        def _parse_max_choices(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_choices = _parse_max_choices(d.pop("max_choices", UNSET))

        def _parse_scale(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        scale = _parse_scale(d.pop("scale", UNSET))

        def _parse_opens_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                opens_at_type_1 = datetime.datetime.fromisoformat(data)

                return opens_at_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        opens_at = _parse_opens_at(d.pop("opens_at", UNSET))

        def _parse_closes_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                closes_at_type_1 = datetime.datetime.fromisoformat(data)

                return closes_at_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        closes_at = _parse_closes_at(d.pop("closes_at", UNSET))

        def _parse_close_after_votes(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        close_after_votes = _parse_close_after_votes(d.pop("close_after_votes", UNSET))

        _results_visibility = d.pop("results_visibility", UNSET)
        results_visibility: ResultsVisibility | Unset
        if isinstance(_results_visibility, Unset):
            results_visibility = UNSET
        else:
            results_visibility = ResultsVisibility(_results_visibility)

        _dedupe = d.pop("dedupe", UNSET)
        dedupe: Dedupe | Unset
        if isinstance(_dedupe, Unset):
            dedupe = UNSET
        else:
            dedupe = Dedupe(_dedupe)

        _metadata = d.pop("metadata", UNSET)
        metadata: NewPollMetadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = NewPollMetadata.from_dict(_metadata)

        draft = d.pop("draft", UNSET)

        def _parse_embed_origins(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                embed_origins_type_0 = cast(list[str], data)

                return embed_origins_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        embed_origins = _parse_embed_origins(d.pop("embed_origins", UNSET))

        _bot_protection = d.pop("bot_protection", UNSET)
        bot_protection: BotProtection | Unset
        if isinstance(_bot_protection, Unset):
            bot_protection = UNSET
        else:
            bot_protection = BotProtection(_bot_protection)

        _vote_change = d.pop("vote_change", UNSET)
        vote_change: VoteChange | Unset
        if isinstance(_vote_change, Unset):
            vote_change = UNSET
        else:
            vote_change = VoteChange(_vote_change)

        def _parse_max_length(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_length = _parse_max_length(d.pop("max_length", UNSET))

        def _parse_max_entries_per_voter(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_entries_per_voter = _parse_max_entries_per_voter(
            d.pop("max_entries_per_voter", UNSET)
        )

        def _parse_moderation(data: object) -> Moderation | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                moderation_type_1 = Moderation(data)

                return moderation_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Moderation | None | Unset, data)

        moderation = _parse_moderation(d.pop("moderation", UNSET))

        def _parse_stemming(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        stemming = _parse_stemming(d.pop("stemming", UNSET))

        def _parse_language(data: object) -> None | TextLanguage | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                language_type_1 = TextLanguage(data)

                return language_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | TextLanguage | Unset, data)

        language = _parse_language(d.pop("language", UNSET))

        new_poll = cls(
            question=question,
            options=options,
            kind=kind,
            min_choices=min_choices,
            max_choices=max_choices,
            scale=scale,
            opens_at=opens_at,
            closes_at=closes_at,
            close_after_votes=close_after_votes,
            results_visibility=results_visibility,
            dedupe=dedupe,
            metadata=metadata,
            draft=draft,
            embed_origins=embed_origins,
            bot_protection=bot_protection,
            vote_change=vote_change,
            max_length=max_length,
            max_entries_per_voter=max_entries_per_voter,
            moderation=moderation,
            stemming=stemming,
            language=language,
        )

        return new_poll
