"""A local stand-in for Discord's execute-webhook endpoint: a real HTTP server (in a
daemon thread, so sync and async tests can both call it) that refuses what Discord would
refuse, keeps a rate-limit bucket per webhook, and records what it accepted.

Modes: "ok" (204, or 200 with the message under ?wait=true), "429", "500", "404",
"401", and "hang" (holds each request until the mode changes or the server stops). A
mode set with `times=N` answers N requests, then the receiver is "ok" again."""

import json
import math
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

MODES = ("ok", "429", "500", "404", "401", "hang")
TOP_LEVEL_KEYS = {"content", "username", "avatar_url", "tts", "embeds", "allowed_mentions"}
EMBED_KEYS = {"title", "type", "description", "url", "timestamp", "color", "footer"}
EMBED_KEYS |= {"image", "thumbnail", "video", "provider", "author", "fields"}
MENTION_KINDS = {"roles", "users", "everyone"}
FAILURES = {
    "500": (500, {"message": "500: Internal Server Error", "code": 0}),
    "404": (404, {"message": "Unknown Webhook", "code": 10015}),
    "401": (401, {"message": "Invalid Webhook Token", "code": 50027}),
}


def units(text: str) -> int:
    """Length in UTF-16 code units, as Discord counts it."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def problems(payload: Any) -> list[str]:
    """Everything Discord would refuse in an execute-webhook body (empty: acceptable)."""
    if not isinstance(payload, dict):
        return ["body: not a JSON object"]
    found = [f"{key}: unknown field" for key in payload.keys() - TOP_LEVEL_KEYS]
    found += _text_problems(payload, "content", 2000, "content")
    found += _mention_problems(payload.get("allowed_mentions"))
    embeds = payload.get("embeds", [])
    if not isinstance(embeds, list) or len(embeds) > 10:
        return [*found, "embeds: not a list of at most 10"]
    for index, embed in enumerate(embeds):
        found += _embed_problems(embed, f"embeds[{index}]")
    if not payload.get("content") and not embeds:
        found.append("body: Cannot send an empty message")
    total = sum(_embed_total(e) for e in embeds if isinstance(e, dict))
    if total > 6000:
        found.append(f"embeds: {total} units of text in all, more than 6000")
    return found


def _text_problems(holder: dict[str, Any], key: str, limit: int, where: str) -> list[str]:
    if key not in holder:
        return []
    value = holder[key]
    if not isinstance(value, str):
        return [f"{where}: not a string"]
    if units(value) > limit:
        return [f"{where}: {units(value)} UTF-16 units, more than {limit}"]
    return []


def _mention_problems(allowed: Any) -> list[str]:
    # Required here, stricter than Discord: without it a ticket's text could ping.
    if not isinstance(allowed, dict) or not isinstance(allowed.get("parse"), list):
        return ["allowed_mentions: missing, or without a parse list"]
    parse = allowed["parse"]
    found = [f"allowed_mentions.parse: unknown {p!r}" for p in parse if p not in MENTION_KINDS]
    if "everyone" in parse:
        found.append("allowed_mentions.parse: lets @everyone ping")
    for kind in ("roles", "users"):
        ids = allowed.get(kind, [])
        if kind in parse and ids:
            found.append(f"allowed_mentions: {kind} both parsed and listed")
        if not isinstance(ids, list) or len(ids) > 100 or not all(_snowflake(i) for i in ids):
            found.append(f"allowed_mentions.{kind}: not a list of at most 100 ids")
    return found


def _snowflake(value: Any) -> bool:
    return (isinstance(value, str) and value.isdigit()) or isinstance(value, int)


def _embed_problems(embed: Any, where: str) -> list[str]:
    if not isinstance(embed, dict):
        return [f"{where}: not an object"]
    found = [f"{where}.{key}: unknown field" for key in embed.keys() - EMBED_KEYS]
    found += _text_problems(embed, "title", 256, f"{where}.title")
    found += _text_problems(embed, "description", 4096, f"{where}.description")
    found += _url_problems(embed, "url", f"{where}.url")
    found += _colour_problems(embed.get("color"), f"{where}.color")
    found += _timestamp_problems(embed.get("timestamp"), f"{where}.timestamp")
    found += _part_problems(embed, "footer", "text", 2048, f"{where}.footer")
    found += _part_problems(embed, "author", "name", 256, f"{where}.author")
    return found + _fields_problems(embed.get("fields", []), f"{where}.fields")


def _url_problems(holder: dict[str, Any], key: str, where: str) -> list[str]:
    value = holder.get(key)
    if value is None:
        return []
    if not isinstance(value, str) or urlsplit(value).scheme not in ("http", "https"):
        return [f"{where}: not an http(s) URL"]
    return [] if urlsplit(value).netloc else [f"{where}: no host"]


def _colour_problems(colour: Any, where: str) -> list[str]:
    if colour is None:
        return []
    valid = isinstance(colour, int) and not isinstance(colour, bool) and 0 <= colour <= 0xFFFFFF
    return [] if valid else [f"{where}: not an integer in 0..0xFFFFFF"]


def _timestamp_problems(timestamp: Any, where: str) -> list[str]:
    if timestamp is None:
        return []
    try:
        datetime.fromisoformat(timestamp)
    except (TypeError, ValueError):
        return [f"{where}: not an ISO 8601 timestamp"]
    return []


def _part_problems(embed: dict[str, Any], part: str, key: str, limit: int, where: str) -> list[str]:
    if part not in embed:
        return []
    value = embed[part]
    if not isinstance(value, dict) or not str(value.get(key, "")).strip():
        return [f"{where}.{key}: required"]
    found = _text_problems(value, key, limit, f"{where}.{key}")
    return found + _url_problems(value, "icon_url", f"{where}.icon_url")


def _fields_problems(fields: Any, where: str) -> list[str]:
    if not isinstance(fields, list) or len(fields) > 25:
        return [f"{where}: not a list of at most 25"]
    found = []
    for index, item in enumerate(fields):
        at = f"{where}[{index}]"
        if not isinstance(item, dict):
            found.append(f"{at}: not an object")
            continue
        for key, limit in (("name", 256), ("value", 1024)):
            if not isinstance(item.get(key), str) or not item[key].strip():
                found.append(f"{at}.{key}: required")
            found += _text_problems(item, key, limit, f"{at}.{key}")
        if not isinstance(item.get("inline", False), bool):
            found.append(f"{at}.inline: not a boolean")
    return found


def _embed_total(embed: dict[str, Any]) -> int:
    texts = [embed.get("title"), embed.get("description")]
    texts += [(embed.get("footer") or {}).get("text"), (embed.get("author") or {}).get("name")]
    for item in embed.get("fields") or []:
        if isinstance(item, dict):
            texts += [item.get("name"), item.get("value")]
    return sum(units(text) for text in texts if isinstance(text, str))


@dataclass(frozen=True)
class Received:
    path: str  # /api/webhooks/<id>/<token>
    payload: dict[str, Any]
    at: float  # time.monotonic() on arrival


@dataclass
class Bucket:
    """Discord-like: `limit` requests per `seconds`, counted from the first one."""

    limit: int
    seconds: float
    started: float = 0.0
    used: int = 0

    def take(self, now: float) -> bool:
        if now - self.started >= self.seconds:
            self.started, self.used = now, 0
        self.used += 1
        return self.used <= self.limit

    def headers(self, now: float, path: str) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(0, self.limit - self.used)),
            "X-RateLimit-Reset-After": f"{self.reset_after(now):.3f}",
            "X-RateLimit-Bucket": f"bucket-{abs(hash(path)) % 10**8}",
        }

    def reset_after(self, now: float) -> float:
        """Rounded up to the millisecond, so that waiting this long is always enough."""
        return max(0.001, math.ceil((self.seconds - (now - self.started)) * 1000) / 1000)


@dataclass
class DiscordReceiver:
    """Start it with `running_receiver()` (or the `discord_receiver` fixture), POST to
    `url` or `webhook_url(id)`, switch with `set_mode`, then read `received` (accepted
    payloads with path and arrival time), `rejected` (payloads with their problems) and
    `answers` (every status sent)."""

    rate_limit: int = 5
    rate_seconds: float = 2.0
    retry_after: float = 0.05  # what the "429" mode asks for
    received: list[Received] = field(default_factory=list)
    rejected: list[tuple[Any, list[str]]] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # every status sent, in order
    mode: str = "ok"
    times: int | None = None  # requests left in `mode` before it returns to "ok"
    stopping: bool = False
    hanging: int = 0  # requests held by the "hang" mode right now
    changed: threading.Condition = field(default_factory=threading.Condition)
    buckets: dict[str, Bucket] = field(default_factory=dict)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return self.webhook_url()

    def webhook_url(self, webhook_id: str = "112233445566778899", token: str = "t0ken") -> str:
        """Another webhook id gets a rate-limit bucket of its own."""
        assert self.server is not None, "the receiver is not running"
        return f"http://127.0.0.1:{self.server.server_port}/api/webhooks/{webhook_id}/{token}"

    def set_mode(self, mode: str, times: int | None = None) -> None:
        assert mode in MODES, mode
        with self.changed:
            self.mode, self.times = mode, times
            self.changed.notify_all()

    @property
    def payloads(self) -> list[dict[str, Any]]:
        return [r.payload for r in self.received]

    def start(self) -> None:
        self.server = _Server(("127.0.0.1", 0), _handler(self))
        serve = partial(self.server.serve_forever, poll_interval=0.05)
        threading.Thread(target=serve, daemon=True).start()

    def stop(self) -> None:
        with self.changed:
            self.stopping = True
            self.changed.notify_all()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def count(self, path: str) -> tuple[dict[str, Any] | None, dict[str, str]]:
        """Takes one request from the webhook's bucket: the 429 body when it was empty,
        and the rate-limit headers either way."""
        now = time.monotonic()
        with self.changed:
            bucket = self.buckets.setdefault(path, Bucket(self.rate_limit, self.rate_seconds))
            within, headers = bucket.take(now), bucket.headers(now, path)
            after = bucket.reset_after(now)
        return (None if within else _rate_limited(after)), headers

    def answer(self, path: str, raw: bytes, content_type: str) -> tuple[int, dict[str, Any] | None]:
        """The status and JSON body for one request; headers come from the bucket."""
        mode = self._mode_for_request()
        if mode == "stopped":
            return 0, None
        if mode == "429":
            return 429, _rate_limited(self.retry_after)
        if mode in FAILURES:
            return FAILURES[mode]
        return self._validated(path, raw, content_type)

    def _mode_for_request(self) -> str:
        with self.changed:
            while self.mode == "hang" and not self.stopping:
                self.hanging += 1
                self.changed.wait()
                self.hanging -= 1
            if self.stopping:
                return "stopped"
            mode = self.mode
            if self.times is not None:
                self.times -= 1
                if self.times <= 0:
                    self.mode, self.times = "ok", None
            return mode

    def _validated(self, path: str, raw: bytes, content_type: str) -> tuple[int, Any]:
        if not content_type.startswith("application/json"):
            # Discord reads no JSON from it, so it finds nothing to send.
            return 400, {"code": 50006, "message": "Cannot send an empty message"}
        try:
            payload = json.loads(raw)
        except ValueError:
            return 400, {"code": 50109, "message": "The request body contains invalid JSON."}
        found = problems(payload)
        if found:
            self.rejected.append((payload, found))
            return 400, {"code": 50035, "message": "Invalid Form Body", "errors": _errors(found)}
        self.received.append(Received(urlsplit(path).path, payload, time.monotonic()))
        if parse_qs(urlsplit(path).query).get("wait") == ["true"]:
            return 200, {"id": str(len(self.received)), "type": 0, **payload}
        return 204, None


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up on a held request has closed its end: not worth a trace.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _whole(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))


def _errors(found: list[str]) -> dict[str, Any]:
    return {"_errors": [{"code": "BASE_TYPE_INVALID", "message": p} for p in found]}


def _rate_limited(retry_after: float) -> dict[str, Any]:
    return {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}


def _handler(receiver: DiscordReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            limited, headers = receiver.count(urlsplit(self.path).path)
            if limited is not None:
                self._send(429, limited, {**headers, "Retry-After": _whole(limited["retry_after"])})
                return
            status, body = receiver.answer(self.path, raw, self.headers.get("Content-Type", ""))
            if status == 0:
                self.close_connection = True
                return
            if status == 429:
                headers["Retry-After"] = _whole(receiver.retry_after)
            self._send(status, body, headers)

        def _send(self, status: int, body: Any, headers: dict[str, str]) -> None:
            data = b"" if body is None else json.dumps(body).encode()
            receiver.answers.append(status)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if body is not None:
                self.send_header("Content-Type", "application/json")
            if status != 204:
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output quiet

    return Handler


@contextmanager
def running_receiver(**options: Any) -> Iterator[DiscordReceiver]:
    receiver = DiscordReceiver(**options)
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()
