"""Writes docs/notification-payloads.md: every event type as the `series` and
`socialboards` webhooks carry it, three Discord bodies and one signed delivery, all made
by ticketd's own payload and signing code from the Notices of one invented workspace.
Ids and times are fixed, so the page changes only when a payload does. From the
repository root:

    .venv/bin/python docs/tools/payload_examples.py > docs/notification-payloads.md

The Notices are what the worker would load (ticketd/notify/notices.py) right after each
change: the ticket as it then stands, its published thread with the system messages the
core writes, and only the people that have a stored row (contacts and teammates)."""

import dataclasses
import hashlib
import json
import re
import string
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import orjson

from ticketd.helpdesk import webhook_payload as socialboards
from ticketd.kit.ids import user_guid
from ticketd.notify import discord, signing
from ticketd.notify.discord_fields import status_label
from ticketd.notify.model import Notice
from ticketd.people.model import Person
from ticketd.series import webhook_payload as series
from ticketd.tickets import events
from ticketd.tickets.events import EventType
from ticketd.tickets.model import (
    FieldValue,
    Message,
    MessageKind,
    Source,
    Status,
    Ticket,
    TicketDetails,
)
from ticketd.workspaces.config import (
    Category,
    CustomField,
    Department,
    Member,
    Teammate,
    Workspace,
    WorkspaceConfig,
)

BASE_URL = "https://help.example.com"
SECRET = "whsec_zW80d+pJyXHlpB/rdY8iJzjzyWORy4//T3l7UoS1Xro="  # an example, never a real one
DAY = datetime(2025, 3, 14, tzinfo=UTC)
WORKSPACE_ID = "3f6b2a10-7c4e-4d2b-9a8e-5b1c0d2e4f60"
DISCORD_ROLE = "1349020987654321098"  # the workspace's DiscordNotificationWebhookPing
HEADSHOT = "https://tr.rbxcdn.com/30DAY-AvatarHeadshot-{}-Png/150/150/AvatarHeadshot/Webp/noFilter"

BELLA_ID, RILEY_ID = 4_182_905_377, 1_893_224_071  # Roblox user ids
BELLA_GUID, RILEY_GUID = user_guid(WORKSPACE_ID, BELLA_ID), user_guid(WORKSPACE_ID, RILEY_ID)
BELLA_AVATAR = HEADSHOT.format("3C0B4F7E1D9A2B6C8E5F1A3D7B9C2E4F")
MAYA_GUID = "b7e2c9d4-1f3a-4e6b-8c5d-2a9f0e1b3c7d"  # a teammate known by e-mail
DANA_GUID = "e41d7a90-5c2b-4f18-9b3e-7a6d2c1f0e85"  # a helpdesk contact
DANA_EMAIL, SAM_EMAIL = "dana.brooks@example.com", "sam.brooks@example.com"


class Who(NamedTuple):
    """An actor as events store them."""

    guid: str
    user_id: int | None
    name: str | None  # None on creations: the core records no name for them


BELLA = Who(BELLA_GUID, BELLA_ID, "Bella")  # a Roblox player, as her replies name her
BELLA_CREATING = BELLA._replace(name=None)
RILEY = Who(RILEY_GUID, RILEY_ID, "Riley")  # department staff, by Roblox user id
MAYA = Who(MAYA_GUID, None, "Maya Chen")  # a teammate (admin), by e-mail

# Only contacts and teammates have a row in `people`; Roblox players and department
# staff are known from the ticket and the workspace configuration.
PEOPLE = {
    MAYA_GUID: Person(MAYA_GUID, None, None, "Maya Chen", None, "maya@obbykingdom.example",
                      None, "admin"),
    DANA_GUID: Person(DANA_GUID, None, None, "Dana Brooks", None, DANA_EMAIL, None, None),
}  # fmt: skip


def config() -> WorkspaceConfig:
    workspace = Workspace(
        WORKSPACE_ID, "Obby Kingdom", "premium", True, True,
        "https://discord.com/api/webhooks/1349021570381529088/example-token", True,
        DISCORD_ROLE,
    )  # fmt: skip
    categories = [
        Category(1, 1, "bugs", "Bugs & Glitches", False, 0, None, ("support",)),
        Category(2, 2, "checkpoints", "Checkpoints", False, 0, 3, ("support", "bug-triage"), 1),
        Category(3, 3, "purchases", "Purchases & Robux", False, 0, None, ("support",)),
        Category(4, 4, "player-reports", "Player Reports", False, 0, None, ("moderation",)),
        Category(5, 5, "exploiting", "Exploiting", False, 0, None, ("moderation",), 4),
    ]
    departments = [
        Department(1, 1, "support", "Player Support", frozenset({RILEY_ID}), 150, 255,
                   ("bugs", "checkpoints", "purchases")),
        Department(2, 2, "bug-triage", "Bug Triage", frozenset(), 200, 255,
                   ("bugs", "checkpoints")),
        Department(3, 3, "moderation", "Moderation", frozenset({RILEY_ID}), 180, 255,
                   ("player-reports", "exploiting")),
    ]  # fmt: skip
    riley = Member(RILEY_ID, "RileyBuildsObbies", "Riley", HEADSHOT.format("9F2A" * 8), 200)
    maya = Teammate(MAYA_GUID, "Maya Chen", "maya@obbykingdom.example", "admin", None, None)
    device = CustomField(1, 1, "Device", "dropdown", ("PC", "Phone", "Tablet", "Console"))
    return WorkspaceConfig(
        workspace,
        categories={c.key: c for c in categories},
        departments={d.key: d for d in departments},
        members={RILEY_ID: riley},
        teammates={MAYA_GUID: maya},
        custom_fields={device.id: device},
    )


CONFIG = config()


def at(clock: str) -> int:
    """Milliseconds since the epoch of `HH:MM:SS.mmm` on DAY (UTC)."""
    hours, minutes, rest = clock.split(":")
    seconds, millis = rest.split(".")
    moment = DAY + timedelta(hours=int(hours), minutes=int(minutes), seconds=int(seconds))
    return int(moment.timestamp()) * 1000 + int(millis)


def fixed(seed: str, alphabet: str, length: int) -> str:
    """Random-looking text that is the same on every run."""
    number = int.from_bytes(hashlib.sha256(seed.encode()).digest())
    chars = []
    for _ in range(length):
        number, index = divmod(number, len(alphabet))
        chars.append(alphabet[index])
    return "".join(chars)


def event_id(ticket_id: int, at_ms: int) -> str:
    return "evt_" + hashlib.sha256(f"{ticket_id}:{at_ms}".encode()).hexdigest()[:32]


class Inbox:
    """Message and event ids, handed out in time order as the database would."""

    def __init__(self) -> None:
        self.message_ids = iter(range(88_101, 89_000))
        self.event_ids = iter(range(310_201, 311_000))


class Story:
    """One ticket's life. Each step changes the ticket and its thread as the core does;
    `notice` is what the worker loads right after an event."""

    def __init__(self, inbox: Inbox, ticket: Ticket, opening: str, html: str | None) -> None:
        self.inbox = inbox
        self.ticket = ticket
        self.opening = self._message(
            MessageKind.AUTHOR, Who(ticket.author_guid, ticket.author_user_id, None),
            opening, ticket.created_at, html=html,
        )  # fmt: skip
        self.thread = [self.opening]  # published: no notes, no drafts
        self.tags: list[str] = []
        self.fields: list[FieldValue] = []

    def _message(self, kind: MessageKind, who: Who, text: str, when: int, **extra: Any) -> Message:
        values: dict[str, Any] = {
            "html": None, "attachments": (), "mentions": (), "parent_number": None, "level": 0,
            "is_draft": False, "updated_at": None, **extra,
        }  # fmt: skip
        message_id = next(self.inbox.message_ids)
        suffix = fixed(f"message {message_id}", string.ascii_lowercase + string.digits, 6)
        return Message(
            id=message_id, number=message_id, ticket_id=self.ticket.id,
            key=f"msj_{when}_{suffix}", kind=kind,
            author_user_id=who.user_id, author_guid=who.guid, text=text, created_at=when,
            **values,
        )  # fmt: skip

    def change(self, **values: Any) -> None:
        self.ticket = dataclasses.replace(self.ticket, **values)

    def system(self, who: Who, text: str, when: int) -> None:
        self.thread.append(self._message(MessageKind.SYSTEM, who, f"{text} by {who.name}", when))
        self.change(updated_at=when)

    def reply(self, kind: MessageKind, who: Who, text: str, when: int, **extra: Any) -> Message:
        """A published reply, or with is_draft=True a draft; the status follows as after
        `conversation.reply`."""
        message = self._message(kind, who, text, when, **extra)
        if message.is_draft:
            self.change(has_draft=True, updated_at=when)
            return message
        self.thread.append(message)
        first = self.ticket.first_response_at
        if kind is MessageKind.STAFF and first is None:
            first = when
        self.change(
            reply_count=self.ticket.reply_count + 1, last_thread_at=when, updated_at=when,
            first_response_at=first,
        )  # fmt: skip
        if kind is MessageKind.STAFF and self.ticket.status is Status.OPEN:
            self.status(who, Status.IN_PROGRESS, when)
        elif kind is MessageKind.AUTHOR and self.ticket.status is Status.IN_PROGRESS:
            self.status(who, Status.OPEN, when)
        return message

    def note(self, who: Who, text: str, when: int, mentions: tuple[str, ...] = ()) -> Message:
        self.change(last_thread_at=when, updated_at=when)
        return self._message(MessageKind.NOTE, who, text, when, mentions=mentions)

    def status(self, who: Who, status: Status, when: int) -> events.StatusChanged:
        previous = self.ticket.status
        closed = None if status in (Status.OPEN, Status.IN_PROGRESS) else when
        self.change(status=status, closed_at=closed)
        self.system(who, f"Status changed from {previous} to {status}", when)
        return events.StatusChanged(previous, status)

    def claim(self, who: Who, when: int) -> events.Claimed:
        self.change(
            assignee_guid=who.guid, assignee_user_id=who.user_id, assigned_at=when,
            status=Status.IN_PROGRESS,
        )  # fmt: skip
        self.system(who, "Ticket claimed", when)
        return events.Claimed(who.guid)

    def notice(
        self, who: Who, payload: events.Payload, when: int, about: Message | None = None
    ) -> Notice:
        t = self.ticket
        event = events.Event(
            next(self.inbox.event_ids), t.id, who.guid, who.user_id, who.name, payload, when,
            event_id(t.id, when),
        )  # fmt: skip
        guids = {t.author_guid, who.guid, t.assignee_guid, *payload.people()}
        guids.update(m.author_guid for m in self.thread)
        guids.add(about.author_guid if about else None)
        people = {g: PEOPLE[g] for g in sorted(g for g in guids if g) if g in PEOPLE}
        details = TicketDetails(
            openings={t.id: self.opening},
            tags={t.id: list(self.tags)} if self.tags else {},
            fields={t.id: list(self.fields)} if self.fields else {},
            people=people,
        )
        return Notice(event, CONFIG, t, list(self.thread), details, about, people)


def roblox_ticket(**values: Any) -> Ticket:
    """A ticket Bella opened from the game, through the Series API."""
    return Ticket(
        **values, workspace_id=WORKSPACE_ID, status=Status.OPEN, author_guid=BELLA_GUID,
        author_user_id=BELLA_ID, author_username="bella_jumps", author_display_name="Bella",
        author_avatar_url=BELLA_AVATAR, assignee_guid=None, assignee_user_id=None,
        assigned_at=None, sentiment=None, source_name=None, cc=(), reply_count=0,
        has_draft=False, last_thread_at=values["created_at"], updated_at=values["created_at"],
        closed_at=None, first_response_at=None, first_resolved_at=None,
        public_token=example_token(values["code"]), number=values["id"],
    )  # fmt: skip


def example_token(code: str) -> str:
    """A fixed stand-in for the random token of a ticket's author's link."""
    return hashlib.sha256(code.encode()).hexdigest()[:32]


def timeline() -> Iterator[Notice]:
    """Three tickets of one afternoon, in time order: a Helpdesk contact's billing
    question, a Roblox player's bug report that gets resolved, and her game report.
    Yields a Notice for each event the page shows (one per type)."""
    inbox = Inbox()
    created = at("15:40:33.905")
    billing = Story(
        inbox,
        Ticket(
            id=1041, code="TICKET-1741966833-P9DT", object_id="67d44df1a3c9e5b7d2f4e6c1",
            workspace_id=WORKSPACE_ID, subject="Charged twice for the VIP gamepass",
            category_key="purchases", department_key="support", status=Status.OPEN,
            priority="medium", author_guid=DANA_GUID, author_user_id=None, author_username=None,
            author_display_name="Dana Brooks", author_avatar_url=None, assignee_guid=None,
            assignee_user_id=None, assigned_at=None, game_report=False, place_id=None,
            server_id=None, sentiment="negative", source=Source.HELPDESK_API,
            source_name="Website contact form", cc=(SAM_EMAIL,), reply_count=0,
            has_draft=False, last_thread_at=created, created_at=created, updated_at=created,
            closed_at=None, first_response_at=None, first_resolved_at=None,
            public_token=example_token("TICKET-1741966833-P9DT"), number=1041,
        ),
        "My son bought the VIP gamepass yesterday and we were charged 499 Robux twice. "
        "His username is sammy_b_2013. Can you refund one of them?",
        "<p>My son bought the VIP gamepass yesterday and we were charged 499 Robux "
        "<strong>twice</strong>. His username is sammy_b_2013.</p><p>Can you refund one of "
        "them?</p>",
    )  # fmt: skip
    billing.tags = ["refund"]

    created = at("16:05:00.412")
    bug = Story(
        inbox,
        roblox_ticket(
            id=1042, code="TICKET-1741968300-K7QX", object_id="67d453aca3c9e5b7d2f4e6c2",
            subject="Respawn sends me back to checkpoint 46", category_key="bugs",
            department_key="support", priority="high", game_report=False, place_id=None,
            server_id=None, source=Source.SERIES_API, created_at=created,
        ),
        "Every time I fall on stage 47 I respawn at checkpoint 46 instead. I'm on an iPad "
        "and I've lost my progress three times now.",
        None,
    )  # fmt: skip
    yield bug.notice(BELLA_CREATING, events.TicketCreated("high"), created)

    created = at("16:12:07.118")
    report = Story(
        inbox,
        roblox_ticket(
            id=1043, code="TICKET-1741968727-M3RZ", object_id="67d45557a3c9e5b7d2f4e6c3",
            subject="Exploiter flying over the lava on stage 30", category_key="exploiting",
            department_key="moderation", priority="high", game_report=True,
            place_id=16_732_694_052, server_id="8c1f4e2a-6b3d-4f5e-9a7c-1d2e3f4a5b6c",
            source=Source.GAME_REPORT, created_at=created,
        ),
        "xX_SkyWalker_Xx is flying over the lava on stage 30 and pushing people off. "
        "18 players on the server.",
        None,
    )  # fmt: skip
    yield report.notice(BELLA_CREATING, events.GameReportCreated("high"), created)

    report.claim(RILEY, at("16:14:30.870"))
    when = at("16:20:03.118")
    yield bug.notice(RILEY, bug.claim(RILEY, when), when)

    when = at("16:21:10.540")
    bug.change(category_key="checkpoints", department_key="support")
    bug.system(RILEY, "Category changed from Bugs & Glitches to Checkpoints", when)
    yield bug.notice(RILEY, events.CategoryChanged("bugs", "checkpoints"), when)

    when = at("16:22:02.007")
    bug.tags = ["checkpoints", "mobile"]
    bug.change(updated_at=when)
    yield bug.notice(RILEY, events.TagsChanged(["checkpoints", "mobile"]), when)

    when = at("16:22:15.000")
    bug.change(priority="high", updated_at=when)
    yield bug.notice(RILEY, events.PriorityChanged("medium", "high"), when)

    when = at("16:22:30.250")
    bug.fields = [FieldValue(1, "Tablet")]
    bug.change(updated_at=when)
    yield bug.notice(RILEY, events.FieldValueChanged(1, "Tablet"), when)

    bug.reply(
        MessageKind.STAFF, RILEY,
        "Thanks Bella! Does it happen on every server, or only some? And do you fall "
        "before or after touching the checkpoint flag?",
        at("16:26:41.903"),
    )  # fmt: skip

    when = at("16:30:55.301")
    report.change(assignee_guid=None, assignee_user_id=None, assigned_at=None)
    report.system(MAYA, "Ticket unassigned", when)
    yield report.notice(MAYA, events.Unassigned(RILEY_GUID), when)

    when = at("16:41:15.662")
    answer = bug.reply(
        MessageKind.AUTHOR, BELLA,
        "Every server. I touch the flag, it turns green, then when I fall I'm back at 46.",
        when,
    )  # fmt: skip
    yield bug.notice(BELLA, events.AuthorReplied(answer.id), when, answer)

    stale = bug.note(RILEY, "Duplicate of TICKET-1741960012-Q2LA?", at("16:44:05.377"))

    when = at("16:45:20.031")
    note = bug.note(
        RILEY, "Reproduced on an iPad: touching flag 47 and falling puts you at 46. @Maya Chen "
        "is this the streaming bug from last week?", when, (MAYA_GUID,),
    )  # fmt: skip
    yield bug.notice(RILEY, events.NoteAdded(note.id), when, note)

    when = at("16:47:02.774")
    note = dataclasses.replace(
        note, text=note.text + " Only on devices with StreamingEnabled.", updated_at=when
    )
    bug.change(updated_at=when)
    yield bug.notice(RILEY, events.NoteUpdated(note.id), when, note)

    when = at("16:48:40.120")
    bug.change(updated_at=when)
    yield bug.notice(RILEY, events.NoteDeleted(stale.id), when)  # the row is gone

    when = at("16:50:12.395")
    bug.change(assignee_guid=None, assignee_user_id=None, assigned_at=None)
    bug.system(RILEY, "Ticket unclaimed", when)
    yield bug.notice(RILEY, events.Unclaimed(RILEY_GUID), when)

    when = at("16:51:00.688")
    bug.change(department_key="bug-triage")
    bug.system(RILEY, "Ticket transferred from Player Support to Bug Triage", when)
    yield bug.notice(RILEY, events.Transferred("support", "bug-triage"), when)

    when = at("16:55:12.480")
    draft = billing.reply(
        MessageKind.STAFF, MAYA,
        "Hi Dana, sorry about that! I can see both purchases and have refunded one.",
        when, html="<p>Hi Dana, sorry about that! I can see both purchases and have refunded "
        "one.</p>", is_draft=True,
    )  # fmt: skip
    yield billing.notice(MAYA, events.ReplyDrafted(draft.id), when, draft)

    when = at("16:58:47.006")
    sent = billing.reply(
        MessageKind.STAFF, MAYA,
        "Hi Dana, sorry about that! I can see both purchases and have refunded one: the "
        "499 Robux are back on sammy_b_2013's account. The VIP gamepass stays active.",
        when, html="<p>Hi Dana, sorry about that! I can see both purchases and have refunded "
        "one: the 499 Robux are back on sammy_b_2013's account.</p><p>The VIP gamepass "
        "stays active.</p>",
    )  # fmt: skip
    yield billing.notice(MAYA, events.StaffReplied(sent.id), when, sent)

    when = at("17:05:44.219")
    bug.change(assignee_guid=MAYA_GUID, assignee_user_id=None, assigned_at=when)
    bug.system(MAYA, "Ticket assigned to Maya Chen", when)
    yield bug.notice(MAYA, events.Assigned(MAYA_GUID, None), when)

    bug.reply(
        MessageKind.STAFF, MAYA,
        "Fixed in today's update: checkpoints now save as soon as you touch the flag. "
        "Thanks for the clear report, Bella!",
        at("18:28:09.512"),
    )  # fmt: skip
    when = at("18:30:00.045")
    yield bug.notice(MAYA, bug.status(MAYA, Status.RESOLVED, when), when)


def pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def block(language: str, text: str) -> str:
    return f"```{language}\n{text}\n```\n"


def para(*sentences: str) -> str:
    """One paragraph, wrapped, never inside `code`."""
    text = re.sub(r"`[^`]*`", lambda code: code[0].replace(" ", "\0"), " ".join(sentences))
    return textwrap.fill(text, WIDTH, break_on_hyphens=False).replace("\0", " ") + "\n"


def anchor(heading: str) -> str:
    """The id GitHub gives a heading."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def name(guid: str) -> str:
    return {MAYA_GUID: "Maya Chen", RILEY_GUID: "Riley"}.get(guid, "someone")


def caption(notice: Notice) -> str:
    """The ticket and what happened, in the core's own words."""
    who = notice.event.actor_name or notice.ticket.author_display_name or "Someone"
    said = events.sentence(notice.event, CONFIG, who=who, person=name, status=status_label)
    return f"{notice.ticket.code} ({notice.ticket.subject}): {said}."


WIDTH = 88
REMARKS = {
    EventType.NOTE_DELETED: "The note is gone when the delivery is made, so neither format "
    "carries it: only its ticket.",
}
INTRO = f"""\
# Notification payloads

Generated by `docs/tools/payload_examples.py` from ticketd's own payload, Discord and
signing code; do not edit by hand. When a payload changes, regenerate this page:

    .venv/bin/python docs/tools/payload_examples.py > docs/notification-payloads.md

The examples follow one afternoon in the workspace **Obby Kingdom**
(`{WORKSPACE_ID}`), public URL `{BASE_URL}`:

- **Bella** (`@bella_jumps`, Roblox user {BELLA_ID}, with an avatar) reports a
  checkpoint bug from the game (TICKET-1741968300-K7QX) and an exploiter with a game
  report (TICKET-1741968727-M3RZ);
- **Riley** (`@RileyBuildsObbies`, Roblox user {RILEY_ID}) is Player Support staff;
- **Maya Chen** is a teammate (admin) known by e-mail, without a Roblox account;
- **Dana Brooks** (`{DANA_EMAIL}`) is a Helpdesk contact asking about a double
  charge (TICKET-1741966833-P9DT), with `{SAM_EMAIL}` in cc.

Each delivery shows the ticket as it stands when the delivery is made, here right after
the change. Bodies are pretty-printed; on the wire they are compact UTF-8 JSON.
"""
RECEIVER = """\
from http.server import BaseHTTPRequestHandler, HTTPServer
from standardwebhooks import Webhook, WebhookVerificationError

SECRET = "{secret}"  # the endpoint's

class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["content-length"]))
        try:  # raises on a wrong signature, or a webhook-timestamp over 5 minutes off
            event = Webhook(SECRET).verify(body, dict(self.headers))
        except WebhookVerificationError:
            return self.send_error(400)
        self.send_response(204), self.end_headers()  # then handle `event`, once per webhook-id

HTTPServer(("", 8000), Receiver).serve_forever()"""


def event_map() -> str:
    rows = [
        "## Event types\n",
        "| event | `series` `type` | `socialboards` `EventType` |",
        "|---|---|---|",
    ]
    for kind in EventType:
        shown = socialboards.EVENT_TYPES[kind]
        rows.append(f"| [`{kind}`](#{anchor(kind)}) | `{kind}` | `{shown}` |")
    rows.append(f"| [test delivery](#test-delivery) | `{series.PING}` | `{socialboards.PING}` |")
    return "\n".join(rows) + "\n"


def signed_delivery(notice: Notice) -> str:
    body = orjson.dumps(series.payload(notice, BASE_URL)).decode()  # as the sender does
    sent = datetime.fromtimestamp((notice.event.created_at + 350) / 1000, UTC)
    headers = signing.signed_headers(SECRET, notice.event.public_id, sent, body)
    request = ["POST /hooks/ticketd HTTP/1.1", *(f"{k}: {v}" for k, v in headers.items())]
    return "\n".join(
        [
            "## Signed delivery\n",
            para(
                "Every webhook delivery is a POST signed per",
                "[Standard Webhooks](https://www.standardwebhooks.com/) with the endpoint's",
                "secret, which",
                "`ticketd webhook add` prints once. `webhook-id` is the event's public id,",
                "the same in every retry: drop repeats by it. This `ticket.created` delivery",
                f"is signed with the example secret `{SECRET}`; the signature covers the",
                "body byte for byte.",
            ),
            block("http", "\n".join([*request, "", body])),
            para(
                "A receiver with the official `standardwebhooks` library (`pip install",
                "standardwebhooks`). Answer 2xx quickly: anything else is retried.",
            ),
            block("python", RECEIVER.format(secret=SECRET)),
        ]
    )


def event_section(notice: Notice) -> str:
    kind = notice.event.type
    words = [caption(notice), *([REMARKS[kind]] if kind in REMARKS else [])]
    return "\n".join(
        [
            f"### {kind}\n",
            para(*words),
            "`series`:\n",
            block("json", pretty(series.payload(notice, BASE_URL))),
            f"`socialboards` (`{socialboards.EVENT_TYPES[kind]}`):\n",
            block("json", pretty(socialboards.payload(notice, BASE_URL))),
        ]
    )


def test_delivery() -> str:
    when = at("19:00:00.000")
    return "\n".join(
        [
            "## Test delivery\n",
            para(
                "`ticketd webhook test` sends a signed ping, without a ticket, in the",
                "endpoint's format.",
            ),  # fmt: skip
            "`series`:\n",
            block("json", pretty(series.ping_payload(event_id(0, when), WORKSPACE_ID, when))),
            "`socialboards`:\n",
            block("json", pretty(socialboards.ping_payload(CONFIG.workspace.name))),
        ]
    )


def discord_section(by_type: dict[EventType, Notice]) -> str:
    shown = [
        (EventType.TICKET_CREATED, "ticket.created"),
        (EventType.GAME_REPORT_CREATED, "ticket.game_report_created, with place and server"),
        (EventType.STATUS_CHANGED, "ticket.status_changed to resolved"),
    ]
    parts = [
        "## Discord\n",
        para(
            "Discord gets an execute-webhook body with one embed, unsigned, at the",
            "workspace's Discord webhook URL (or its department's) for the kinds of change",
            f"the workspace chose. Obby Kingdom pings the role `{DISCORD_ROLE}`, and shares",
            "authors' links (`PublicUrl`), so each embed ends with the ticket's author's link",
            "for staff to send; without `PublicUrl` that field is absent.",
        ),
    ]
    for kind, title in shown:
        notice = by_type[kind]
        ping = notice.config.workspace.discord_webhook_ping  # as the Discord sender does
        body = discord.message(notice, ping=ping, base_url=BASE_URL)
        parts += [f"### Discord: {title}\n", block("json", pretty(body))]
    return "\n".join(parts)


def main() -> None:
    by_type = {n.event.type: n for n in timeline()}
    missing = [kind for kind in EventType if kind not in by_type]
    assert not missing, f"no example for {missing}"
    sections = [
        INTRO,
        event_map(),
        signed_delivery(by_type[EventType.TICKET_CREATED]),
        "## Events\n\n"
        + para(
            "One delivery per event type, in the `series` format (camelCase, with the ticket",
            "as `GET /tickets/get/{ticketId}` shows it) and in the `socialboards` format",
            "(PascalCase, with the Helpdesk ticket).",
        ),
        *(event_section(by_type[kind]) for kind in EventType),
        test_delivery(),
        discord_section(by_type),
    ]
    print("\n".join(sections), end="")


if __name__ == "__main__":
    main()
