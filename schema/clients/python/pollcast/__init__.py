"""pollcast's REST API for Python.

``pollcast.rest`` is generated from the OpenAPI document (never edited by hand); this
package adds what a generator cannot write: a client that raises typed errors, live results,
and webhook verification.
"""

from .connect import connect
from .live import follow_results
from .problem import PollcastError
from .rest.client import AuthenticatedClient, Client
from .rest.models import LiveResults, LiveStatus
from .webhooks import WebhookVerificationError, verify_webhook

__all__ = [
    "AuthenticatedClient",
    "Client",
    "LiveResults",
    "LiveStatus",
    "PollcastError",
    "WebhookVerificationError",
    "connect",
    "follow_results",
    "verify_webhook",
]
