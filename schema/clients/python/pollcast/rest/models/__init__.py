"""Contains all the data models used in inputs/outputs"""

from .accepted import Accepted
from .access_token import AccessToken
from .api_key import ApiKey
from .audit import Audit
from .audit_line import AuditLine
from .bot_protection import BotProtection
from .cast_vote import CastVote
from .challenge import Challenge
from .dedupe import Dedupe
from .embed import Embed
from .error_code import ErrorCode
from .event_type import EventType
from .field_error import FieldError
from .hidden_term import HiddenTerm
from .kind_results import KindResults
from .live_results import LiveResults
from .live_results_type import LiveResultsType
from .live_status import LiveStatus
from .live_status_status import LiveStatusStatus
from .live_status_type import LiveStatusType
from .moderate import Moderate
from .moderation import Moderation
from .new_key import NewKey
from .new_option import NewOption
from .new_poll import NewPoll
from .new_poll_metadata import NewPollMetadata
from .new_webhook import NewWebhook
from .option_count import OptionCount
from .option_result import OptionResult
from .page_api_key import PageApiKey
from .page_api_key_data_item import PageApiKeyDataItem
from .page_poll import PagePoll
from .page_poll_data_item import PagePollDataItem
from .page_poll_data_item_metadata_type_0 import PagePollDataItemMetadataType0
from .page_vote import PageVote
from .page_vote_data_item import PageVoteDataItem
from .page_webhook import PageWebhook
from .page_webhook_attempt import PageWebhookAttempt
from .page_webhook_attempt_data_item import PageWebhookAttemptDataItem
from .page_webhook_data_item import PageWebhookDataItem
from .patch_option import PatchOption
from .patch_poll import PatchPoll
from .patch_poll_metadata_type_0 import PatchPollMetadataType0
from .patch_webhook import PatchWebhook
from .poll import Poll
from .poll_kind import PollKind
from .poll_metadata_type_0 import PollMetadataType0
from .poll_option import PollOption
from .poll_status import PollStatus
from .problem import Problem
from .replay_many import ReplayMany
from .replayed import Replayed
from .results import Results
from .results_visibility import ResultsVisibility
from .runoff_round import RunoffRound
from .scope import Scope
from .score_count import ScoreCount
from .term_count import TermCount
from .term_decision import TermDecision
from .term_list import TermList
from .term_state import TermState
from .term_view import TermView
from .test_event import TestEvent
from .test_result import TestResult
from .text_entry import TextEntry
from .text_language import TextLanguage
from .vote import Vote
from .vote_change import VoteChange
from .voter_secret import VoterSecret
from .voter_token import VoterToken
from .webhook import Webhook
from .webhook_attempt import WebhookAttempt

__all__ = (
    "Accepted",
    "AccessToken",
    "ApiKey",
    "Audit",
    "AuditLine",
    "BotProtection",
    "CastVote",
    "Challenge",
    "Dedupe",
    "Embed",
    "ErrorCode",
    "EventType",
    "FieldError",
    "HiddenTerm",
    "KindResults",
    "LiveResults",
    "LiveResultsType",
    "LiveStatus",
    "LiveStatusStatus",
    "LiveStatusType",
    "Moderate",
    "Moderation",
    "NewKey",
    "NewOption",
    "NewPoll",
    "NewPollMetadata",
    "NewWebhook",
    "OptionCount",
    "OptionResult",
    "PageApiKey",
    "PageApiKeyDataItem",
    "PagePoll",
    "PagePollDataItem",
    "PagePollDataItemMetadataType0",
    "PageVote",
    "PageVoteDataItem",
    "PageWebhook",
    "PageWebhookAttempt",
    "PageWebhookAttemptDataItem",
    "PageWebhookDataItem",
    "PatchOption",
    "PatchPoll",
    "PatchPollMetadataType0",
    "PatchWebhook",
    "Poll",
    "PollKind",
    "PollMetadataType0",
    "PollOption",
    "PollStatus",
    "Problem",
    "Replayed",
    "ReplayMany",
    "Results",
    "ResultsVisibility",
    "RunoffRound",
    "Scope",
    "ScoreCount",
    "TermCount",
    "TermDecision",
    "TermList",
    "TermState",
    "TermView",
    "TestEvent",
    "TestResult",
    "TextEntry",
    "TextLanguage",
    "Vote",
    "VoteChange",
    "VoterSecret",
    "VoterToken",
    "Webhook",
    "WebhookAttempt",
)
