"""Notices for mail tests, built from the core's own dataclasses (no database): a ticket
whose thread grows reply by reply, and the notice of each event on it."""

from dataclasses import dataclass, field

from ticketd.notify.model import Notice
from ticketd.people.model import Person
from ticketd.tickets import events
from ticketd.tickets.model import Message, MessageKind, Source, Status, Ticket, TicketDetails
from ticketd.workspaces.config import Teammate, Workspace, WorkspaceConfig

START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
SENDER = "support@ticketd.test"
BASE_URL = "https://help.example.com/"

CREATOR = Person("guid-creator", None, None, "Cara Creator", None, "cara@example.com", None, None)
STAFF = Person("guid-sam", None, None, "Sam Staff", None, "sam@acme.test", None, "agent")
OTHER_STAFF = Person("guid-ola", None, None, "Ola Other", None, "ola@acme.test", None, "agent")


def workspace_config(name: str = "Acme Support") -> WorkspaceConfig:
    workspace = Workspace("ws_mail", name, "premium", True, False, None, False, None)
    teammates = {
        p.guid: Teammate(p.guid, p.name, p.email or "", "agent", None, None)
        for p in (STAFF, OTHER_STAFF)
    }
    return WorkspaceConfig(workspace, teammates=teammates)


def new_ticket(subject: str = "Printer on fire", cc: tuple[str, ...] = ()) -> Ticket:
    return Ticket(
        id=41, code="TICKET-1767225600-AB12", object_id="6a" * 12, workspace_id="ws_mail",
        subject=subject, category_key=None, department_key=None, status=Status.OPEN,
        priority="medium", author_guid=CREATOR.guid, author_user_id=None,
        author_username=None, author_display_name=CREATOR.display_name,
        author_avatar_url=None, assignee_guid=None, assignee_user_id=None, assigned_at=None,
        game_report=False, place_id=None, server_id=None, sentiment=None,
        source=Source.HELPDESK_API, source_name=None, cc=cc, reply_count=0, has_draft=False,
        last_thread_at=START_MS, created_at=START_MS, updated_at=START_MS, closed_at=None,
        first_response_at=None,
    )  # fmt: skip


_EVENTS = {
    MessageKind.STAFF: lambda m: events.StaffReplied(m.id),
    MessageKind.AUTHOR: lambda m: events.AuthorReplied(m.id),
    MessageKind.NOTE: lambda m: events.NoteAdded(m.id),
}


@dataclass
class MailThread:
    """A ticket and every message written on it so far, notes included (a Notice gets
    the published ones, as the fan-out would give them)."""

    ticket: Ticket = field(default_factory=new_ticket)
    config: WorkspaceConfig = field(default_factory=workspace_config)
    people: dict[str, Person] = field(
        default_factory=lambda: {p.guid: p for p in (CREATOR, STAFF, OTHER_STAFF)}
    )
    written: list[Message] = field(default_factory=list)

    def write(
        self, kind: MessageKind, text: str, *, html: str | None = None, by: Person = STAFF
    ) -> Message:
        number = len(self.written) + 1
        at = START_MS + number * 60_000
        message = Message(
            id=100 + number, ticket_id=self.ticket.id, key=f"msj_{at}_{number:06d}", kind=kind,
            author_user_id=None, author_guid=by.guid, text=text, html=html, attachments=(),
            mentions=(), parent_id=None, level=0, is_draft=False, created_at=at,
            updated_at=None,
        )  # fmt: skip
        self.written.append(message)
        return message

    def reply(self, text: str, *, html: str | None = None, by: Person = STAFF) -> Notice:
        """A staff reply written now, and the notice of it."""
        return self.notice(self.write(MessageKind.STAFF, text, html=html, by=by))

    def notice(self, message: Message, *, messages: list[Message] | None = None) -> Notice:
        published = [m for m in self.written if m.kind is not MessageKind.NOTE]
        event = events.Event(
            id=message.id, ticket_id=self.ticket.id, actor_guid=message.author_guid,
            actor_user_id=None, actor_name=None, payload=_EVENTS[message.kind](message),
            created_at=message.created_at, public_id=f"evt_{message.id:032x}",
        )  # fmt: skip
        return Notice(
            event, self.config, self.ticket, published if messages is None else messages,
            TicketDetails(), message, dict(self.people),
        )  # fmt: skip
