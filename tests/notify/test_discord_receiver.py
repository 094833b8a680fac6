"""The local Discord stand-in is as strict as Discord: it refuses what Discord refuses,
answers in Discord's modes, and rate-limits a sender that ignores its headers. Checked
here so that tests relying on it can trust an acceptance."""

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.support import notices
from tests.support.discord_receiver import DiscordReceiver, problems, running_receiver
from ticketd.notify import discord


def good() -> dict[str, Any]:
    return discord.message(notices.notice(), ping="<@&42>", base_url="https://t.example")


def embed(body: dict[str, Any]) -> dict[str, Any]:
    return body["embeds"][0]


BREAKAGES: list[tuple[str, Callable[[dict[str, Any]], Any], str]] = [
    ("everyone", lambda b: b["allowed_mentions"].update(parse=["everyone"]), "lets @everyone"),
    ("no allowed_mentions", lambda b: b.pop("allowed_mentions"), "allowed_mentions: missing"),
    ("content", lambda b: b.update(content="é" * 2001), "content: 2001 UTF-16 units"),
    ("eleven embeds", lambda b: b.update(embeds=b["embeds"] * 11), "embeds: not a list"),
    ("colour", lambda b: embed(b).update(color=0x1000000), "color: not an integer"),
    ("typo", lambda b: embed(b).update(colour=1), "embeds[0].colour: unknown field"),
    ("timestamp", lambda b: embed(b).update(timestamp="yesterday"), "not an ISO 8601"),
    ("url", lambda b: embed(b).update(url="ftp://x/y"), "url: not an http(s) URL"),
    ("blank value", lambda b: embed(b)["fields"][0].update(value=" "), "fields[0].value: required"),
    ("26 fields", lambda b: embed(b).update(fields=embed(b)["fields"] * 7), "at most 25"),
    ("field value", lambda b: embed(b)["fields"][1].update(value="v" * 1025), "more than 1024"),
    ("description", lambda b: embed(b).update(description="🎮" * 2049), "4098 UTF-16 units"),
    ("author", lambda b: embed(b)["author"].update(name="a" * 257), "author.name: 257"),
    ("footer", lambda b: embed(b).update(footer={"text": ""}), "footer.text: required"),
    (
        "total over two embeds",
        lambda b: b.update(embeds=[{"description": "d" * 4000}, {"description": "d" * 2001}]),
        "6001 units of text in all",
    ),
    ("empty", lambda b: b.update(content="", embeds=[]), "Cannot send an empty message"),
]


@pytest.mark.parametrize(("case", "break_it", "problem"), BREAKAGES, ids=[c for c, *_ in BREAKAGES])
def test_the_validator_names_each_thing_discord_would_refuse(
    case: str, break_it: Callable[[dict[str, Any]], Any], problem: str
) -> None:
    body = good()
    assert problems(body) == []

    break_it(body)

    assert any(problem in found for found in problems(body)), problems(body)


def test_a_body_that_is_not_json_is_refused(discord_receiver: DiscordReceiver) -> None:
    answer = httpx.post(
        discord_receiver.url, content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert (answer.status_code, answer.json()["code"]) == (400, 50109)


def test_with_wait_true_the_message_comes_back_as_json(discord_receiver: DiscordReceiver) -> None:
    answer = httpx.post(discord_receiver.url + "?wait=true", json=good())

    assert answer.status_code == 200
    assert answer.json()["embeds"] == good()["embeds"]
    assert discord_receiver.received[0].path == "/api/webhooks/112233445566778899/t0ken"


@pytest.mark.parametrize(
    ("mode", "status", "disable_reason"),
    [
        ("404", 404, "Discord answered 404: Unknown Webhook"),
        ("401", 401, "Discord answered 401: Invalid Webhook Token"),
        ("500", 500, None),
    ],
)
def test_failure_modes_answer_as_discord_does(
    discord_receiver: DiscordReceiver, mode: str, status: int, disable_reason: str | None
) -> None:
    discord_receiver.set_mode(mode)
    answer = httpx.post(discord_receiver.url, json=good())
    result = discord.outcome(answer.status_code, answer.headers, answer.text)

    assert (answer.status_code, result.disable_reason) == (status, disable_reason)
    assert result.permanent is (status != 500)
    assert discord_receiver.payloads == []


def test_the_429_mode_asks_to_wait_then_accepts(discord_receiver: DiscordReceiver) -> None:
    discord_receiver.set_mode("429", times=2)
    with httpx.Client() as client:
        answers = [client.post(discord_receiver.url, json=good()) for _ in range(3)]
    first = discord.outcome(answers[0].status_code, answers[0].headers, answers[0].text)

    assert [a.status_code for a in answers] == [429, 429, 204]
    assert answers[0].headers["Retry-After"] == "1"
    assert (first.delivered, first.wait) == (False, discord_receiver.retry_after)
    assert len(discord_receiver.payloads) == 1


def test_a_sender_ignoring_the_bucket_gets_429_and_another_webhook_does_not() -> None:
    with running_receiver(rate_limit=3, rate_seconds=5.0) as receiver, httpx.Client() as client:
        answers = [client.post(receiver.url, json=good()) for _ in range(4)]
        other = client.post(receiver.webhook_url("998877"), json=good())
    last_allowed = discord.outcome(answers[2].status_code, answers[2].headers, answers[2].text)
    limited = discord.outcome(answers[3].status_code, answers[3].headers, answers[3].text)

    assert [a.status_code for a in answers] == [204, 204, 204, 429]
    assert answers[2].headers["X-RateLimit-Remaining"] == "0"
    assert last_allowed.delivered and last_allowed.wait is not None and last_allowed.wait > 4
    assert not limited.delivered and limited.wait is not None and limited.wait > 4
    assert other.status_code == 204


def test_a_sender_waiting_as_outcomes_say_is_never_limited() -> None:
    with running_receiver(rate_limit=2, rate_seconds=0.3) as receiver, httpx.Client() as client:
        for _ in range(5):
            answer = client.post(receiver.url, json=good())
            result = discord.outcome(answer.status_code, answer.headers, answer.text)
            time.sleep(result.wait or 0)

    assert receiver.answers == [204] * 5


@pytest.mark.anyio
async def test_hang_holds_a_request_until_the_mode_changes(
    discord_receiver: DiscordReceiver,
) -> None:
    discord_receiver.set_mode("hang")
    async with httpx.AsyncClient() as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.post(discord_receiver.url, json=good(), timeout=0.2)
        pending = asyncio.create_task(client.post(discord_receiver.url, json=good(), timeout=5))
        await asyncio.sleep(0.2)
        assert not pending.done()
        discord_receiver.set_mode("ok")
        answer = await pending

    assert answer.status_code == 204


def test_hang_holds_a_request_until_the_server_stops() -> None:
    with running_receiver() as receiver:
        receiver.set_mode("hang")
        with ThreadPoolExecutor(1) as pool:
            pending = pool.submit(httpx.post, receiver.url, json=good(), timeout=5)
            deadline = time.monotonic() + 5
            while receiver.hanging == 0 and time.monotonic() < deadline:
                time.sleep(0.01)  # until the request has arrived (slow on a busy machine)
            assert receiver.hanging == 1 and not pending.done()
            receiver.stop()
            with pytest.raises(httpx.RemoteProtocolError):
                pending.result()
