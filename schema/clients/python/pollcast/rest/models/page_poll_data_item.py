from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.bot_protection import BotProtection
from ..models.dedupe import Dedupe
from ..models.moderation import Moderation
from ..models.poll_kind import PollKind
from ..models.poll_status import PollStatus
from ..models.results_visibility import ResultsVisibility
from ..models.text_language import TextLanguage
from ..models.vote_change import VoteChange
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.embed import Embed
    from ..models.page_poll_data_item_metadata_type_0 import (
        PagePollDataItemMetadataType0,
    )
    from ..models.poll_option import PollOption


T = TypeVar("T", bound="PagePollDataItem")


@_attrs_define
class PagePollDataItem:
    """A poll as the API shows it. The owner sees everything; the public view leaves out
    `workspace_id` and `metadata`. Internal fields (the shard) are never shown.

        Attributes:
            id (str):
            question (str):
            options (list[PollOption]):
            kind (PollKind):
            min_choices (int):
            max_choices (int):
            status (PollStatus):
            results_visibility (ResultsVisibility):
            dedupe (Dedupe):
            bot_protection (BotProtection): Whether a browser vote must carry a solved proof-of-work challenge (docs/bot-
                protection.md).
                Off by default: protection costs every visitor a moment of CPU and is worth it only on
                polls that attract scripted voting; an owner turns it on per poll.
            vote_change (VoteChange): Whether a voter may replace their ballot. Fixed at creation: the poll's record of who
                voted
                takes another shape when voters may change their minds.
            created_at (datetime.datetime):
            updated_at (datetime.datetime):
            embed (Embed): Ways to put the poll on a page.
            workspace_id (None | str | Unset): Owner view only.
            scale (int | None | Unset):
            opens_at (datetime.datetime | None | Unset):
            closes_at (datetime.datetime | None | Unset):
            close_after_votes (int | None | Unset):
            max_length (int | None | Unset): `open_text` only: most characters per entry.
            max_entries_per_voter (int | None | Unset): `open_text` only: most entries per ballot.
            moderation (Moderation | None | Unset):
            stemming (bool | None | Unset): `open_text` only.
            language (None | TextLanguage | Unset):
            metadata (None | PagePollDataItemMetadataType0 | Unset): Owner view only.
            embed_origins (list[str] | None | Unset): Owner view only: the origins allowed to embed the poll (`null`: any).
    """

    id: str
    question: str
    options: list[PollOption]
    kind: PollKind
    min_choices: int
    max_choices: int
    status: PollStatus
    results_visibility: ResultsVisibility
    dedupe: Dedupe
    bot_protection: BotProtection
    vote_change: VoteChange
    created_at: datetime.datetime
    updated_at: datetime.datetime
    embed: Embed
    workspace_id: None | str | Unset = UNSET
    scale: int | None | Unset = UNSET
    opens_at: datetime.datetime | None | Unset = UNSET
    closes_at: datetime.datetime | None | Unset = UNSET
    close_after_votes: int | None | Unset = UNSET
    max_length: int | None | Unset = UNSET
    max_entries_per_voter: int | None | Unset = UNSET
    moderation: Moderation | None | Unset = UNSET
    stemming: bool | None | Unset = UNSET
    language: None | TextLanguage | Unset = UNSET
    metadata: None | PagePollDataItemMetadataType0 | Unset = UNSET
    embed_origins: list[str] | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.page_poll_data_item_metadata_type_0 import (
            PagePollDataItemMetadataType0,  # noqa: PLC0415
        )

        id = self.id

        question = self.question

        options = []
        for options_item_data in self.options:
            options_item = options_item_data.to_dict()
            options.append(options_item)

        kind = self.kind.value

        min_choices = self.min_choices

        max_choices = self.max_choices

        status = self.status.value

        results_visibility = self.results_visibility.value

        dedupe = self.dedupe.value

        bot_protection = self.bot_protection.value

        vote_change = self.vote_change.value

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        embed = self.embed.to_dict()

        workspace_id: None | str | Unset
        if isinstance(self.workspace_id, Unset):
            workspace_id = UNSET
        else:
            workspace_id = self.workspace_id

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

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, PagePollDataItemMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        embed_origins: list[str] | None | Unset
        if isinstance(self.embed_origins, Unset):
            embed_origins = UNSET
        elif isinstance(self.embed_origins, list):
            embed_origins = self.embed_origins

        else:
            embed_origins = self.embed_origins

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "question": question,
                "options": options,
                "kind": kind,
                "min_choices": min_choices,
                "max_choices": max_choices,
                "status": status,
                "results_visibility": results_visibility,
                "dedupe": dedupe,
                "bot_protection": bot_protection,
                "vote_change": vote_change,
                "created_at": created_at,
                "updated_at": updated_at,
                "embed": embed,
            }
        )
        if workspace_id is not UNSET:
            field_dict["workspace_id"] = workspace_id
        if scale is not UNSET:
            field_dict["scale"] = scale
        if opens_at is not UNSET:
            field_dict["opens_at"] = opens_at
        if closes_at is not UNSET:
            field_dict["closes_at"] = closes_at
        if close_after_votes is not UNSET:
            field_dict["close_after_votes"] = close_after_votes
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
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if embed_origins is not UNSET:
            field_dict["embed_origins"] = embed_origins

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.embed import Embed  # noqa: PLC0415
        from ..models.page_poll_data_item_metadata_type_0 import (
            PagePollDataItemMetadataType0,  # noqa: PLC0415
        )
        from ..models.poll_option import PollOption  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        question = d.pop("question")

        options = []
        _options = d.pop("options")
        for options_item_data in _options:
            options_item = PollOption.from_dict(options_item_data)

            options.append(options_item)

        kind = PollKind(d.pop("kind"))

        min_choices = d.pop("min_choices")

        max_choices = d.pop("max_choices")

        status = PollStatus(d.pop("status"))

        results_visibility = ResultsVisibility(d.pop("results_visibility"))

        dedupe = Dedupe(d.pop("dedupe"))

        bot_protection = BotProtection(d.pop("bot_protection"))

        vote_change = VoteChange(d.pop("vote_change"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        embed = Embed.from_dict(d.pop("embed"))

        def _parse_workspace_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        workspace_id = _parse_workspace_id(d.pop("workspace_id", UNSET))

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

        def _parse_metadata(
            data: object,
        ) -> None | PagePollDataItemMetadataType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = PagePollDataItemMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PagePollDataItemMetadataType0 | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

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

        page_poll_data_item = cls(
            id=id,
            question=question,
            options=options,
            kind=kind,
            min_choices=min_choices,
            max_choices=max_choices,
            status=status,
            results_visibility=results_visibility,
            dedupe=dedupe,
            bot_protection=bot_protection,
            vote_change=vote_change,
            created_at=created_at,
            updated_at=updated_at,
            embed=embed,
            workspace_id=workspace_id,
            scale=scale,
            opens_at=opens_at,
            closes_at=closes_at,
            close_after_votes=close_after_votes,
            max_length=max_length,
            max_entries_per_voter=max_entries_per_voter,
            moderation=moderation,
            stemming=stemming,
            language=language,
            metadata=metadata,
            embed_origins=embed_origins,
        )

        page_poll_data_item.additional_properties = d
        return page_poll_data_item

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
