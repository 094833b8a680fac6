"""Public identifiers: ticket codes, object ids, message keys, keys, tokens and GUIDs."""

import base64
import hashlib
import os
import secrets
import string
import threading
import time
import uuid
from functools import lru_cache

_CODE_ALPHABET = string.ascii_uppercase + string.digits
_KEY_ALPHABET = string.ascii_lowercase + string.digits
_SECRET_ALPHABET = string.ascii_letters + string.digits


def _random_text(alphabet: str, length: int) -> str:
    # One urandom call instead of one per character (secrets.choice): ids are on the
    # create hot path. 64 random bits leave a bias below 2**-50 per character.
    number = int.from_bytes(os.urandom(8 * ((length + 9) // 10)))
    size, chars = len(alphabet), []
    for _ in range(length):
        number, index = divmod(number, size)
        chars.append(alphabet[index])
    return "".join(chars)


def ticket_code() -> str:
    """`TICKET-<10-digit seconds>-<4 chars>`: only 36**4 values per second, so callers
    must insert under a unique index and retry on collision."""
    return f"TICKET-{int(time.time()):010d}-{_random_text(_CODE_ALPHABET, 4)}"


class _ObjectIdCounter:
    """MongoDB ObjectId layout: 4-byte seconds, 5 random bytes per process, 3-byte counter."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reset()
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._process = secrets.token_bytes(5)
        self._counter = secrets.randbelow(1 << 24)

    def next(self) -> str:
        with self._lock:
            self._counter = (self._counter + 1) & 0xFFFFFF
            counter = self._counter
        stamp = int(time.time()).to_bytes(4, "big")
        return (stamp + self._process + counter.to_bytes(3, "big")).hex()


_object_ids = _ObjectIdCounter()


def object_id() -> str:
    """24 lower-case hex characters, unique across processes in practice."""
    return _object_ids.next()


def message_key(ms: int) -> str:
    """`msj_<milliseconds>_<6 alnum>`, unique within a ticket."""
    return f"msj_{ms}_{_random_text(_KEY_ALPHABET, 6)}"


def event_id() -> str:
    """`evt_<32 hex>`: an event's public id, the same in every delivery of it."""
    return "evt_" + os.urandom(16).hex()


def public_token() -> str:
    """32 hex digits (128 random bits): the secret in a ticket's author link."""
    return os.urandom(16).hex()


def webhook_secret() -> str:
    """A Standard Webhooks signing secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


def api_key() -> tuple[str, str]:
    """A new API key and its public prefix (shown in lists, used to revoke)."""
    prefix = "tk_" + secrets.token_hex(4)
    secret = _random_text(_SECRET_ALPHABET, 32)  # 190 bits
    return f"{prefix}_{secret}", prefix


@lru_cache(maxsize=4096)
def _namespace(workspace_id: str) -> bytes:
    return uuid.UUID(workspace_id).bytes


@lru_cache(maxsize=65_536)
def user_guid(workspace_id: str, user_id: int) -> str:
    """The GUID of a Roblox user, UUIDv5(workspace, `roblox:<id>`): derived, so
    every client names the same person without a lookup, and stable across processes.
    Computed by hand as `uuid.uuid5` does, a third of its cost on the create path, and
    remembered: one request may need it twice (the actor, the ticket's author)."""
    digest = bytearray(hashlib.sha1(_namespace(workspace_id) + b"roblox:%d" % user_id).digest())
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest[:16].hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def new_guid() -> str:
    return str(uuid.uuid4())


def refresh_token() -> str:
    """A refresh token for an integration client: 256 random bits, URL-safe."""
    return "rt_" + secrets.token_urlsafe(32)


def secret_hash(secret: str) -> str:
    """How API keys and refresh tokens are stored. Both carry 190+ random bits, so a fast
    hash is enough: nobody can brute-force one, and a slow one would slow every uncached
    lookup (docs/decisions.md)."""
    return hashlib.sha256(secret.encode()).hexdigest()
