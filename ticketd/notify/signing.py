"""Standard Webhooks signatures (standardwebhooks.com): receivers verify a delivery
with any of that spec's libraries and the endpoint's `whsec_…` secret."""

import math
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook


def signed_headers(secret: str, message_id: str, timestamp: datetime, body: str) -> dict[str, str]:
    """The headers of one delivery of `body`. `message_id` is the event's public id,
    the same in every retry, so receivers can drop repeats; a time without an offset is
    taken as UTC."""
    # The library replaces the offset instead of converting: hand it UTC.
    at = timestamp.astimezone(UTC) if timestamp.tzinfo else timestamp.replace(tzinfo=UTC)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(math.floor(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, at, body),
        "content-type": "application/json",
    }
