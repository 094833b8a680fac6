"""One ticket's life, written as the rows ticketd itself would have written: each step
mirrors a service function (tickets/service.py, conversation.py, edits.py) with the
same column changes, system message and event, at a historical time.

Ids are given here (tickets, messages and events are COPYed with their ids), so an
event can name its reply or note as the app's would."""

from dataclasses import dataclass, field
from typing import Any

from ticketd.people.actors import Actor
from ticketd.tickets import events
from ticketd.tickets.model import OPEN_STATUSES, Body, MessageKind, Status
from ticketd.tickets.service import message_values

Row = dict[str, Any]
MAX_MESSAGES = 8


@dataclass
class Counters:
    """The next id of each table with an integer key the loader assigns, and what to
    add to a ticket's or message's id for its number in the workspace (the loaded rows
    of each table have consecutive ids, after the workspace's existing numbers)."""

    ticket: int
    message: int
    event: int
    ticket_offset: int = 0
    message_offset: int = 0


@dataclass
class Rows:
    """Rows of a batch of tickets, per table, waiting to be written."""

    tickets: list[Row] = field(default_factory=list)
    messages: list[Row] = field(default_factory=list)
    events: list[Row] = field(default_factory=list)
    ticket_tags: list[Row] = field(default_factory=list)
    ticket_field_values: list[Row] = field(default_factory=list)

    def tables(self) -> dict[str, list[Row]]:
        thread_at = {t["id"]: t["last_thread_at"] for t in self.tickets}
        for tag in self.ticket_tags:  # as migration 0018's trigger keeps it
            tag["ticket_thread_at"] = thread_at[tag["ticket_id"]]
        return {
            "tickets": self.tickets,
            "messages": self.messages,
            "events": self.events,
            "ticket_tags": self.ticket_tags,
            "ticket_field_values": self.ticket_field_values,
        }


class Life:
    """The ticket row, changed step by step; messages and events appended to `rows`."""

    def __init__(self, ticket: Row, rows: Rows, counters: Counters) -> None:
        self.t = ticket
        self.rows = rows
        self.counters = counters
        self.message_count = 0

    @property
    def status(self) -> str:
        return str(self.t["status"])

    def room(self, needed: int = 1) -> bool:
        """Whether `needed` more messages fit the thread's budget."""
        return self.message_count + needed <= MAX_MESSAGES

    def _message(self, kind: MessageKind, actor: Actor, body: Body, at: int, **extra: Any) -> int:
        message_id = self.counters.message
        self.counters.message += 1
        self.message_count += 1
        row = message_values(kind, actor.user_id, actor.guid, body, at)
        row.update(id=message_id, ticket_id=self.t["id"], mentions=None, parent_id=None,
                   level=0, is_draft=False, updated_at=None,
                   number=message_id + self.counters.message_offset)  # fmt: skip
        row.update(extra)
        self.rows.messages.append(row)
        return message_id

    def _event(self, actor: Actor, payload: events.Payload, at: int, *, named: bool = True) -> None:
        name = actor.name if named else None
        row = events.stored(actor.guid, actor.user_id, name, payload, at)
        row.update(id=self.counters.event, workspace_id=self.t["workspace_id"],
                   ticket_id=self.t["id"], fanned_out_at=at)  # fmt: skip
        self.counters.event += 1
        self.rows.events.append(row)

    def _system(self, text: str, at: int, actor: Actor) -> None:
        self._message(MessageKind.SYSTEM, actor, Body(text), at)

    def create(self, author: Actor, body: Body, game_report: bool) -> None:
        """tickets.service.create: the ticket, its opening message, its creation event
        (whose actor is the author, without a name)."""
        at = self.t["created_at"]
        self.rows.tickets.append(self.t)
        self._message(MessageKind.AUTHOR, author, body, at)
        payload_type = events.GameReportCreated if game_report else events.TicketCreated
        self._event(author, payload_type(self.t["priority"]), at, named=False)

    def claim(self, actor: Actor, at: int) -> None:
        """service.claim: the claimer holds it and it is in progress."""
        self.t.update(assignee_guid=actor.guid, claimed_by=actor.user_id, claimed_at=at,
                      updated_at=at, status=Status.IN_PROGRESS)  # fmt: skip
        self._system(f"Ticket claimed by {actor.name}", at, actor)
        assert actor.guid is not None
        self._event(actor, events.Claimed(actor.guid), at)

    def assign(self, actor: Actor, assignee: Actor, at: int) -> None:
        """service.assign from nobody to `assignee`; the status stays."""
        assert assignee.guid is not None
        self.t.update(assignee_guid=assignee.guid, claimed_by=assignee.user_id, claimed_at=at,
                      updated_at=at)  # fmt: skip
        self._system(f"Ticket assigned to {assignee.name} by {actor.name}", at, actor)
        self._event(actor, events.Assigned(assignee.guid, None), at)

    def set_status(self, status: Status, at: int, actor: Actor) -> None:
        """service.set_status (open-ticket counters are rebuilt once after the load)."""
        previous = Status(self.status)
        if status == previous:
            return
        was_open, is_open = previous in OPEN_STATUSES, status in OPEN_STATUSES
        if was_open != is_open:
            self.t["closed_at"] = None if is_open else at
            if not is_open and self.t["first_resolved_at"] is None:
                self.t["first_resolved_at"] = at
        self.t.update(status=status, updated_at=at)
        self._system(f"Status changed from {previous} to {status} by {actor.name}", at, actor)
        self._event(actor, events.StatusChanged(previous, status), at)

    def reply(self, actor: Actor, body: Body, at: int, *, staff: bool, draft: bool = False) -> None:
        """conversation._publish: a reply, or a draft that only marks the ticket."""
        kind = MessageKind.STAFF if staff else MessageKind.AUTHOR
        message_id = self._message(kind, actor, body, at, is_draft=draft)
        self.t["updated_at"] = at
        if draft:
            self.t["has_draft"] = True
            self._event(actor, events.ReplyDrafted(message_id), at)
            return
        self.t["last_thread_at"] = at
        self.t["reply_count"] += 1
        if staff and self.t["first_response_at"] is None:
            self.t["first_response_at"] = at
        payload = events.StaffReplied(message_id) if staff else events.AuthorReplied(message_id)
        self._event(actor, payload, at)

    def reply_and_update_status(
        self, actor: Actor, body: Body, at: int, *, staff: bool, complete: bool = False
    ) -> None:
        """conversation.reply with update_status on (the helpdesk's replies)."""
        self.reply(actor, body, at, staff=staff)
        if complete:
            self.set_status(Status.RESOLVED, at, actor)
        elif staff and self.status == Status.OPEN:
            self.set_status(Status.IN_PROGRESS, at, actor)
        elif not staff and self.status == Status.IN_PROGRESS:
            self.set_status(Status.OPEN, at, actor)

    def note(self, actor: Actor, body: Body, at: int, mentions: str | None) -> None:
        """conversation.add_note."""
        note_id = self._message(MessageKind.NOTE, actor, body, at, mentions=mentions)
        self.t.update(updated_at=at, last_thread_at=at)
        self._event(actor, events.NoteAdded(note_id), at)

    def replace_tags(self, actor: Actor, tags: dict[str, int], at: int) -> None:
        """edits.replace_tags on a ticket without tags; `tags` maps name to tag id."""
        self.attach_tags(tags)
        self.t["updated_at"] = at
        self._event(actor, events.TagsChanged(sorted(tags, key=str.lower)), at)

    def attach_tags(self, tags: dict[str, int]) -> None:
        """labels_repository.attach_tags, as a ticket created with tags has them."""
        self.rows.ticket_tags.extend(
            {"ticket_id": self.t["id"], "tag_id": i} for i in tags.values()
        )

    def set_field(self, actor: Actor, field_id: int, value: str, at: int) -> None:
        """edits.set_custom_field."""
        self.add_field_value(field_id, value)
        self.t["updated_at"] = at
        self._event(actor, events.FieldValueChanged(field_id, value), at)

    def add_field_value(self, field_id: int, value: str) -> None:
        self.rows.ticket_field_values.append(
            {"ticket_id": self.t["id"], "field_id": field_id, "value": value}
        )
