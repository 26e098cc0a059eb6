from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.bot_protection import BotProtection
from ..models.moderation import Moderation
from ..models.poll_kind import PollKind
from ..models.results_visibility import ResultsVisibility
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.patch_option import PatchOption
    from ..models.patch_poll_metadata_type_0 import PatchPollMetadataType0


T = TypeVar("T", bound="PatchPoll")


@_attrs_define
class PatchPoll:
    """The body of `PATCH /v1/polls/{id}`: only the fields given change.

    Attributes:
        question (None | str | Unset):
        options (list[PatchOption] | None | Unset): The options as they should be: existing ones by id (label editable),
            new ones without.
        closes_at (datetime.datetime | None | Unset):
        results_visibility (None | ResultsVisibility | Unset):
        metadata (None | PatchPollMetadataType0 | Unset):
        kind (None | PollKind | Unset):
        min_choices (int | None | Unset):
        max_choices (int | None | Unset):
        scale (int | None | Unset):
        embed_origins (list[str] | None | Unset): The origins allowed to embed the poll; `null`: any.
        bot_protection (BotProtection | None | Unset):
        moderation (Moderation | None | Unset):
    """

    question: None | str | Unset = UNSET
    options: list[PatchOption] | None | Unset = UNSET
    closes_at: datetime.datetime | None | Unset = UNSET
    results_visibility: None | ResultsVisibility | Unset = UNSET
    metadata: None | PatchPollMetadataType0 | Unset = UNSET
    kind: None | PollKind | Unset = UNSET
    min_choices: int | None | Unset = UNSET
    max_choices: int | None | Unset = UNSET
    scale: int | None | Unset = UNSET
    embed_origins: list[str] | None | Unset = UNSET
    bot_protection: BotProtection | None | Unset = UNSET
    moderation: Moderation | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.patch_poll_metadata_type_0 import (
            PatchPollMetadataType0,  # noqa: PLC0415
        )

        question: None | str | Unset
        if isinstance(self.question, Unset):
            question = UNSET
        else:
            question = self.question

        options: list[dict[str, Any]] | None | Unset
        if isinstance(self.options, Unset):
            options = UNSET
        elif isinstance(self.options, list):
            options = []
            for options_type_0_item_data in self.options:
                options_type_0_item = options_type_0_item_data.to_dict()
                options.append(options_type_0_item)

        else:
            options = self.options

        closes_at: None | str | Unset
        if isinstance(self.closes_at, Unset):
            closes_at = UNSET
        elif isinstance(self.closes_at, datetime.datetime):
            closes_at = self.closes_at.isoformat()
        else:
            closes_at = self.closes_at

        results_visibility: None | str | Unset
        if isinstance(self.results_visibility, Unset):
            results_visibility = UNSET
        elif isinstance(self.results_visibility, ResultsVisibility):
            results_visibility = self.results_visibility.value
        else:
            results_visibility = self.results_visibility

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, PatchPollMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        kind: None | str | Unset
        if isinstance(self.kind, Unset):
            kind = UNSET
        elif isinstance(self.kind, PollKind):
            kind = self.kind.value
        else:
            kind = self.kind

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

        embed_origins: list[str] | None | Unset
        if isinstance(self.embed_origins, Unset):
            embed_origins = UNSET
        elif isinstance(self.embed_origins, list):
            embed_origins = self.embed_origins

        else:
            embed_origins = self.embed_origins

        bot_protection: None | str | Unset
        if isinstance(self.bot_protection, Unset):
            bot_protection = UNSET
        elif isinstance(self.bot_protection, BotProtection):
            bot_protection = self.bot_protection.value
        else:
            bot_protection = self.bot_protection

        moderation: None | str | Unset
        if isinstance(self.moderation, Unset):
            moderation = UNSET
        elif isinstance(self.moderation, Moderation):
            moderation = self.moderation.value
        else:
            moderation = self.moderation

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if question is not UNSET:
            field_dict["question"] = question
        if options is not UNSET:
            field_dict["options"] = options
        if closes_at is not UNSET:
            field_dict["closes_at"] = closes_at
        if results_visibility is not UNSET:
            field_dict["results_visibility"] = results_visibility
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if kind is not UNSET:
            field_dict["kind"] = kind
        if min_choices is not UNSET:
            field_dict["min_choices"] = min_choices
        if max_choices is not UNSET:
            field_dict["max_choices"] = max_choices
        if scale is not UNSET:
            field_dict["scale"] = scale
        if embed_origins is not UNSET:
            field_dict["embed_origins"] = embed_origins
        if bot_protection is not UNSET:
            field_dict["bot_protection"] = bot_protection
        if moderation is not UNSET:
            field_dict["moderation"] = moderation

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.patch_option import PatchOption  # noqa: PLC0415
        from ..models.patch_poll_metadata_type_0 import (
            PatchPollMetadataType0,  # noqa: PLC0415
        )

        d = dict(src_dict)

        def _parse_question(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        question = _parse_question(d.pop("question", UNSET))

        def _parse_options(data: object) -> list[PatchOption] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                options_type_0 = []
                _options_type_0 = data
                for options_type_0_item_data in _options_type_0:
                    options_type_0_item = PatchOption.from_dict(
                        options_type_0_item_data
                    )

                    options_type_0.append(options_type_0_item)

                return options_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[PatchOption] | None | Unset, data)

        options = _parse_options(d.pop("options", UNSET))

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

        def _parse_results_visibility(data: object) -> None | ResultsVisibility | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                results_visibility_type_1 = ResultsVisibility(data)

                return results_visibility_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ResultsVisibility | Unset, data)

        results_visibility = _parse_results_visibility(
            d.pop("results_visibility", UNSET)
        )

        def _parse_metadata(data: object) -> None | PatchPollMetadataType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = PatchPollMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PatchPollMetadataType0 | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        def _parse_kind(data: object) -> None | PollKind | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                kind_type_1 = PollKind(data)

                return kind_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PollKind | Unset, data)

        kind = _parse_kind(d.pop("kind", UNSET))

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

        def _parse_bot_protection(data: object) -> BotProtection | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                bot_protection_type_1 = BotProtection(data)

                return bot_protection_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BotProtection | None | Unset, data)

        bot_protection = _parse_bot_protection(d.pop("bot_protection", UNSET))

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

        patch_poll = cls(
            question=question,
            options=options,
            closes_at=closes_at,
            results_visibility=results_visibility,
            metadata=metadata,
            kind=kind,
            min_choices=min_choices,
            max_choices=max_choices,
            scale=scale,
            embed_origins=embed_origins,
            bot_protection=bot_protection,
            moderation=moderation,
        )

        return patch_poll
