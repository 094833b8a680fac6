"""A notice becomes one Discord embed that Discord accepts whatever the ticket holds, and
Discord's answers become outcomes. Pure functions; the last tests POST to a local
receiver as strict as Discord."""

import dataclasses
import typing
import unicodedata
from typing import Any

import httpx
import orjson
import pytest

from tests.support import notices
from tests.support.discord_receiver import DiscordReceiver, problems, units
from ticketd.notify import discord
from ticketd.tickets import events
from ticketd.tickets.model import MessageKind, Status
from ticketd.workspaces.config import CustomField

BASE_URL = "https://tickets.example.com"
FAMILY = "👩‍👩‍👧‍👦"  # seven code points, eleven UTF-16 units
FLAG = "🇫🇷"
ZALGO = "Z\u0334\u0321\u0322\u0327\u0328\u031b\u0316\u0317\u0318a\u0335\u0319\u031a"
PLAYER = {"author_display_name": "Player Name", "author_username": "player123"}
AGENT = notices.staff(display_name="Ann Agent")  # the staff member, as the embeds name them


def embed_of(notice: Any) -> dict[str, Any]:
    body = discord.message(notice, ping=None, base_url=BASE_URL)
    assert problems(body) == []
    assert len(body["embeds"]) == 1
    return body["embeds"][0]


def fields_of(embed: dict[str, Any]) -> dict[str, str]:
    return {f["name"]: f["value"] for f in embed["fields"]}


def test_a_new_ticket_is_one_embed_with_subject_link_author_and_opening() -> None:
    ticket = notices.ticket(**PLAYER)
    support = notices.config(category_name="Support")
    at = 1_700_000_000_123  # when the event happened: 2023-11-14T22:13:20.123Z
    embed = embed_of(notices.notice(ticket_=ticket, workspace=support, created_at=at))

    assert embed["title"] == "Help with ranking"
    assert embed["url"] == f"{BASE_URL}/staff/tickets/{notices.CODE}"
    assert embed["description"] == notices.OPENING
    assert embed["author"] == {
        "name": "Player Name (@player123)",
        "icon_url": "https://tr.rbxcdn.com/avatar.png",
    }
    assert fields_of(embed) == {
        "Category": "Support",
        "Department": "Staff team",
        "Priority": "Medium",
        "Status": "Open",
    }
    assert embed["footer"] == {"text": notices.CODE}
    assert embed["timestamp"] == "2023-11-14T22:13:20.123+00:00"
    assert embed["color"] == discord.COLOURS["medium"]


def test_the_authors_link_is_a_last_field_only_where_the_workspace_shares_it() -> None:
    shared = notices.config(public_url=True)
    token = notices.ticket().public_token
    for payload in (None, events.StatusChanged(Status.OPEN, Status.CLOSED)):
        embed = embed_of(notices.notice(payload, workspace=shared))
        assert embed["fields"][-1] == {"name": "Author's link", "value": f"{BASE_URL}/t/{token}"}
        assert embed["url"] == f"{BASE_URL}/staff/tickets/{notices.CODE}"  # staff's, as before
    assert "Author's link" not in fields_of(embed_of(notices.notice()))
    without_base = discord.message(notices.notice(workspace=shared), ping=None, base_url=None)
    assert "Author's link" not in fields_of(without_base["embeds"][0])


def test_a_game_report_says_so_in_title_and_colour_and_links_place_and_server() -> None:
    report = notices.game_report(priority="urgent")
    embed = embed_of(notices.notice(events.GameReportCreated("urgent"), ticket_=report))

    assert embed["title"] == "🎮 Game report: Help with ranking"
    assert embed["color"] == discord.GAME_REPORT_COLOUR
    assert fields_of(embed)["Place"] == "[1818](https://www.roblox.com/games/1818)"
    assert fields_of(embed)["Server"] == f"`{report.server_id}`"


def test_priorities_have_four_colours_none_of_them_a_game_reports() -> None:
    colours = {
        embed_of(notices.notice(ticket_=notices.ticket(priority=p)))["color"]
        for p in ("low", "medium", "high", "urgent")
    }
    assert len(colours) == 4
    assert discord.GAME_REPORT_COLOUR not in colours


def test_without_a_base_url_or_an_http_avatar_the_embed_leaves_them_out() -> None:
    ticket = notices.ticket(**PLAYER, author_avatar_url="rbxasset://textures/face.png")
    body = discord.message(notices.notice(ticket_=ticket), ping=None, base_url=None)

    assert "url" not in body["embeds"][0]
    assert body["embeds"][0]["author"] == {"name": "Player Name (@player123)"}


def test_a_status_change_shows_the_new_status_in_the_title_and_both_in_a_field() -> None:
    change = events.StatusChanged(Status.IN_PROGRESS, Status.RESOLVED)
    embed = embed_of(notices.notice(change, actor_guid=notices.STAFF_GUID, people=[AGENT]))

    assert embed["title"] == "Resolved: Help with ranking"
    assert fields_of(embed)["Status"] == "In progress → Resolved"
    assert embed["description"] == "Ann Agent changed status from In progress to Resolved"


def test_a_closed_ticket_opened_again_is_titled_reopened() -> None:
    embed = embed_of(notices.notice(events.StatusChanged(Status.CLOSED, Status.OPEN)))
    assert embed["title"] == "Reopened: Help with ranking"


def test_a_staff_reply_is_authored_by_the_replier_and_quotes_the_reply() -> None:
    reply = notices.message(MessageKind.STAFF, by=AGENT, text="We fixed it.")
    replied = events.StaffReplied(reply.id)
    notice = notices.notice(replied, about=reply, actor_guid=AGENT.guid, people=[AGENT])
    embed = embed_of(notice)

    assert embed["title"] == "Staff replied: Help with ranking"
    assert embed["author"] == {"name": "Ann Agent"}
    assert embed["description"] == "We fixed it."


def test_tag_and_custom_field_changes_show_what_was_set() -> None:
    workspace = notices.config()
    workspace.custom_fields[7] = CustomField(7, 7, "Platform", "dropdown", ("PC", "Xbox"))
    tagged = embed_of(notices.notice(events.TagsChanged(["bug", "vip_2"])))
    set_field = embed_of(notices.notice(events.FieldValueChanged(7, "PC"), workspace=workspace))
    cleared = embed_of(notices.notice(events.FieldValueChanged(7, None), workspace=workspace))

    assert fields_of(tagged)["Tags"] == "bug, vip\\_2"
    assert fields_of(set_field)["Platform"] == "PC"
    assert fields_of(cleared)["Platform"] == "(cleared)"


def test_a_transfer_and_an_assignment_show_before_and_after() -> None:
    moved = embed_of(notices.notice(events.Transferred(None, "staff")))
    assignment = events.Assigned(notices.STAFF_GUID, None)
    assigned = embed_of(notices.notice(assignment, people=[AGENT]))

    assert (moved["title"], fields_of(moved)["Department"]) == (
        "Transferred: Help with ranking",
        "None → Staff team",
    )
    assert fields_of(assigned)["Assignee"] == "Ann Agent"


def sample(payload_type: type[events.Payload]) -> events.Payload:
    values = {int: 7, str: "x", list[str]: ["a"], int | None: None, str | None: "y"}
    hints = typing.get_type_hints(payload_type)
    fields = {f.name: values[hints[f.name]] for f in dataclasses.fields(payload_type)}  # type: ignore[arg-type]
    return payload_type(**fields)


@pytest.mark.parametrize("payload_type", list(events.PAYLOADS.values()))
def test_every_kind_of_event_makes_an_acceptable_titled_message(
    payload_type: type[events.Payload],
) -> None:
    note = notices.message(MessageKind.NOTE, text="Internal")
    embed = embed_of(notices.notice(sample(payload_type), about=note))

    assert embed["title"].endswith("Help with ranking")
    assert embed["description"]


def test_a_ten_thousand_character_message_is_cut_to_the_description_limit() -> None:
    embed = embed_of(notices.notice(opening="x" * 10_000))

    assert embed["description"] == "x" * 4095 + "…"


def test_a_cut_never_splits_an_emoji_family_or_a_flag() -> None:
    family = embed_of(notices.notice(opening=FAMILY * 1000))["description"]
    flags = embed_of(notices.notice(opening=FLAG * 2000))["description"]

    assert family.endswith("…") and family[:-1] == FAMILY * (len(family[:-1]) // len(FAMILY))
    assert flags.endswith("…") and flags[:-1] == FLAG * (len(flags[:-1]) // 2)
    assert units(family) <= 4096 and units(flags) <= 4096


def test_a_cut_never_leaves_a_combining_mark_without_its_letter() -> None:
    text = embed_of(notices.notice(opening="e\u0301" * 5000))["description"]

    assert text.endswith("e\u0301…")
    assert text[:-1] == "e\u0301" * (len(text[:-1]) // 2)


@pytest.mark.parametrize("subject", [ZALGO * 40, ZALGO * 10 + FAMILY * 40])
def test_zalgo_and_emoji_in_a_subject_are_cut_to_the_title_limit_on_a_whole_grapheme(
    subject: str,
) -> None:
    title = embed_of(notices.notice(ticket_=notices.ticket(subject=subject)))["title"]
    kept, rest = title[:-1], subject[len(title) - 1 :]

    assert units(title) <= discord.TITLE and title.endswith("…")
    assert subject.startswith(kept) and len(rest) > 0
    assert unicodedata.combining(rest[0]) == 0 and rest[0] != "\u200d"
    assert kept[-1] != "\u200d"


def test_an_astral_character_at_the_limit_is_left_out_whole_not_split() -> None:
    ticket = notices.ticket(subject="a" + "😀" * 300)  # the limit falls inside a pair
    title = embed_of(notices.notice(ticket_=ticket))["title"]

    assert title == "a" + "😀" * 127 + "…"
    assert units(title) == 256


def test_a_lone_surrogate_in_stored_text_becomes_a_replacement_character() -> None:
    body = discord.message(notices.notice(opening="bad \ud83d text"), ping=None, base_url=None)

    assert body["embeds"][0]["description"] == "bad \ufffd text"
    assert orjson.loads(orjson.dumps(body)) == body


def test_mentions_in_a_subject_cannot_ping_and_show_literally() -> None:
    ticket = notices.ticket(subject="@everyone @here <@&123> look")
    body = discord.message(notices.notice(ticket_=ticket), ping=None, base_url=None)
    title = body["embeds"][0]["title"]

    assert body["allowed_mentions"] == {"parse": []}
    assert "content" not in body
    assert "@everyone" not in title and "@here" not in title
    assert title == "@\u200beveryone @\u200bhere \\<@&123\\> look"


def test_everyone_in_a_message_is_defused_but_the_text_kept() -> None:
    embed = embed_of(notices.notice(opening="hey @everyone"))
    assert embed["description"] == "hey @\u200beveryone"


def test_markdown_in_names_shows_literally_where_discord_renders_it() -> None:
    workspace = notices.config(category_name="**VIP**_")
    ticket = notices.ticket(author_display_name="**bob**_", author_username=None, subject="_hi_")
    embed = embed_of(notices.notice(ticket_=ticket, workspace=workspace))

    assert embed["title"] == "\\_hi\\_"
    assert fields_of(embed)["Category"] == "\\*\\*VIP\\*\\*\\_"
    assert embed["author"]["name"] == "**bob**_"  # Discord shows author names as plain text


def total_units(embed: dict[str, Any]) -> int:
    texts = [embed["title"], embed.get("description", ""), embed["footer"]["text"]]
    texts += [embed["author"]["name"]] + [f["name"] + f["value"] for f in embed["fields"]]
    return sum(map(units, texts))


def test_when_all_text_passes_six_thousand_units_the_description_is_shortened() -> None:
    long_name = "N" * 2000
    workspace = notices.config(category_name=long_name, department_name=long_name)
    ticket = notices.game_report(subject="S" * 300, author_display_name="A" * 300)
    embed = embed_of(notices.notice(ticket_=ticket, opening="x" * 10_000, workspace=workspace))

    assert total_units(embed) == discord.EMBED_TOTAL
    assert embed["description"] == "x" * (len(embed["description"]) - 1) + "…"
    assert len(embed["description"]) < discord.DESCRIPTION
    assert fields_of(embed)["Category"] == "N" * 1023 + "…"


def test_with_every_other_text_at_its_longest_a_shortened_description_still_fits() -> None:
    huge = "\U0001f600" * 3000  # each takes two UTF-16 units
    workspace = notices.config(category_name=huge, department_name=huge, public_url=True)
    workspace.custom_fields[7] = CustomField(7, 7, huge, "text", ())
    ticket = notices.game_report(subject=huge, author_display_name=huge, server_id=huge, code=huge)
    notice = notices.notice(events.FieldValueChanged(7, huge), ticket_=ticket, workspace=workspace)

    embed = embed_of(notice)  # the strict validator checks every limit and the total

    assert total_units(embed) <= discord.EMBED_TOTAL
    assert len(embed["fields"]) == 8  # the author's link last


@pytest.mark.parametrize(
    ("ping", "content", "allowed"),
    [
        (
            "123456789012345678",
            "<@&123456789012345678>",
            {"parse": [], "roles": ["123456789012345678"]},
        ),
        ("<@&42>", "<@&42>", {"parse": [], "roles": ["42"]}),
        ("<@42>", "<@42>", {"parse": [], "users": ["42"]}),
        ("<@!42>", "<@42>", {"parse": [], "users": ["42"]}),
        (" 42 ", "<@&42>", {"parse": [], "roles": ["42"]}),
    ],
)
def test_each_form_of_ping_mentions_exactly_that_role_or_user(
    ping: str, content: str, allowed: dict[str, Any]
) -> None:
    body = discord.message(notices.notice(), ping=ping, base_url=None)

    assert (body["content"], body["allowed_mentions"]) == (content, allowed)
    assert problems(body) == []


@pytest.mark.parametrize("ping", [None, "", "@everyone", "<@&abc>", "<#42>", "1" * 26])
def test_anything_else_as_a_ping_pings_no_one(ping: str | None) -> None:
    body = discord.message(notices.notice(), ping=ping, base_url=None)

    assert "content" not in body
    assert body["allowed_mentions"] == {"parse": []}


def test_a_204_is_delivered() -> None:
    result = discord.outcome(204, {}, "")
    assert (result.delivered, result.status, result.wait, result.permanent) == (
        True,
        204,
        None,
        False,
    )


def test_a_success_that_empties_the_bucket_waits_for_it_to_refill() -> None:
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": "1.5"}
    assert discord.outcome(204, headers, "").wait == 1.5
    assert discord.outcome(204, {**headers, "X-RateLimit-Remaining": "3"}, "").wait is None


def test_a_429_waits_as_long_as_its_body_says() -> None:
    body = '{"message": "You are being rate limited.", "retry_after": 0.75, "global": false}'
    result = discord.outcome(429, {"Retry-After": "1"}, body)

    assert (result.delivered, result.permanent, result.wait) == (False, False, 0.75)
    assert result.disable_reason is None


def test_a_429_without_a_json_body_waits_as_its_retry_after_header_says() -> None:
    result = discord.outcome(429, {"retry-after": "3"}, "<html>slow down</html>")
    assert (result.delivered, result.wait) == (False, 3.0)


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (
            404,
            '{"message": "Unknown Webhook", "code": 10015}',
            "Discord answered 404: Unknown Webhook",
        ),
        (
            401,
            '{"message": "Invalid Webhook Token", "code": 50027}',
            "Discord answered 401: Invalid Webhook Token",
        ),
        (403, "", "Discord answered 403: no body"),
    ],
)
def test_a_gone_or_forbidden_webhook_disables_the_destination(
    status: int, body: str, reason: str
) -> None:
    result = discord.outcome(status, {}, body)
    assert (result.delivered, result.permanent, result.disable_reason) == (False, True, reason)


def test_a_refused_payload_fails_for_good_without_disabling_and_says_why() -> None:
    body = '{"code": 50035, "message": "Invalid Form Body", "errors": {"embeds": {}}}'
    result = discord.outcome(400, {}, body)

    assert (result.delivered, result.permanent, result.disable_reason) == (False, True, None)
    assert result.error == "Discord answered 400: Invalid Form Body"
    assert result.response == body


def test_a_server_error_is_retried() -> None:
    result = discord.outcome(502, {}, "<html>" + "x" * 5000)

    assert (result.delivered, result.permanent, result.disable_reason) == (False, False, None)
    assert result.response is not None and len(result.response) == 2000


def test_real_payloads_posted_to_a_strict_receiver_are_accepted(
    discord_receiver: DiscordReceiver,
) -> None:
    family = notices.ticket(subject="@everyone " + FAMILY * 100, author_display_name="**bob**")
    sent = [
        discord.message(notices.notice(), ping="<@&42>", base_url=BASE_URL),
        discord.message(
            notices.notice(events.GameReportCreated("high"), ticket_=notices.game_report()),
            ping="<@42>",
            base_url=BASE_URL,
        ),
        discord.message(
            notices.notice(ticket_=family, opening=ZALGO * 3000), ping=None, base_url=None
        ),
    ]
    with httpx.Client() as client:
        answers = [client.post(discord_receiver.url, json=body) for body in sent]

    assert [a.status_code for a in answers] == [204, 204, 204]
    assert [discord.outcome(a.status_code, a.headers, a.text).delivered for a in answers] == [
        True
    ] * 3
    assert discord_receiver.payloads == sent


def test_the_receiver_refuses_a_payload_over_a_limit(discord_receiver: DiscordReceiver) -> None:
    body = discord.message(notices.notice(), ping=None, base_url=None)
    body["embeds"][0]["title"] = "😀" * 129  # 258 UTF-16 units, 129 code points

    answer = httpx.post(discord_receiver.url, json=body)
    result = discord.outcome(answer.status_code, answer.headers, answer.text)

    assert answer.status_code == 400
    assert answer.json()["code"] == 50035
    assert "embeds[0].title: 258 UTF-16 units, more than 256" in answer.text
    assert (result.permanent, result.disable_reason) == (True, None)
    assert discord_receiver.payloads == []


def test_an_author_known_only_by_user_id_is_named_by_it() -> None:
    # The Series seed's create example gives only authorUserId and an avatar.
    anonymous = notices.ticket(author_username=None, author_display_name=None)
    body = discord.message(notices.notice(ticket_=anonymous, people=[]), ping=None, base_url=None)
    assert body["embeds"][0]["author"]["name"] == f"User {anonymous.author_user_id}"
