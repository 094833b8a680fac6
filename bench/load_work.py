"""How staff worked a loaded ticket after it was opened: claimed (Series) or assigned
(helpdesk), a few replies each way, a note now and then, tags and field values set by
staff, then resolved or closed (a few reopened first), a draft left on some."""

from typing import TYPE_CHECKING

from bench.load_authors import Author
from bench.load_life import Life
from ticketd.people.actors import Actor, ActorKind
from ticketd.tickets.model import OPEN_STATUSES, Attachment, Body, Status, to_json

if TYPE_CHECKING:
    from bench.load_tickets import TicketMaker

# Messages kept free for closing: a completing reply and its status message.
CLOSING = 2


def body(text: str, helpdesk: bool, files: tuple[Attachment, ...] = ()) -> Body:
    """The helpdesk sends HTML (stored sanitised, with its text); Series plain text."""
    return Body(text, f"<p>{text}</p>" if helpdesk else None, files)


def work(maker: "TicketMaker", life: Life, author: Author, final: Status, helpdesk: bool) -> None:
    rng = maker.rng
    author_actor = _as_author(author)
    staff = _staff_for(maker, life, helpdesk)
    if staff is None or (final is Status.OPEN and not helpdesk):
        if rng.random() < 0.2:  # a follow-up nobody has answered yet
            life.reply(
                author_actor,
                _author_body(maker, helpdesk),
                maker.later(life.t["created_at"]),
                staff=False,
            )
        return
    at = maker.later(life.t["created_at"], typical_minutes=120)
    if helpdesk:
        life.assign(staff, staff, at)
    else:
        life.claim(staff, at)
    if final is Status.OPEN:
        _maybe_draft(maker, life, staff, at, helpdesk, 0.3)
        return
    at = _conversation(maker, life, staff, author_actor, at, helpdesk)
    at = _staff_edits(maker, life, staff, at, helpdesk)
    if final not in OPEN_STATUSES:
        at = _close(maker, life, staff, author_actor, final, at, helpdesk)
    _maybe_draft(maker, life, staff, at, helpdesk, 0.3 if life.status in OPEN_STATUSES else 0.02)


def _as_author(author: Author) -> Actor:
    """conversation._as_author: the author as the ticket names them."""
    return Actor(ActorKind.MEMBER, author.guid, author.display_name or "", author.user_id)


def _staff_for(maker: "TicketMaker", life: Life, helpdesk: bool) -> Actor | None:
    cast = maker.cast
    pool = (
        cast.helpdesk_staff
        if helpdesk
        else cast.staff_by_department.get(life.t["department_key"], [])
    )
    return maker.rng.choice(pool) if pool else None


def _author_body(maker: "TicketMaker", helpdesk: bool) -> Body:
    return body(maker.vocabulary.author_text(maker.rng), helpdesk)


def _staff_body(maker: "TicketMaker", helpdesk: bool) -> Body:
    return body(maker.vocabulary.staff_text(maker.rng), helpdesk)


def _staff_reply(maker: "TicketMaker", life: Life, staff: Actor, at: int, helpdesk: bool) -> None:
    if helpdesk:  # the helpdesk's replies move the status; Series replies leave it
        life.reply_and_update_status(staff, _staff_body(maker, True), at, staff=True)
    else:
        life.reply(staff, _staff_body(maker, False), at, staff=True)


def _author_reply(maker: "TicketMaker", life: Life, author: Actor, at: int, helpdesk: bool) -> None:
    if helpdesk:
        life.reply_and_update_status(author, _author_body(maker, True), at, staff=False)
    else:
        life.reply(author, _author_body(maker, False), at, staff=False)


def _conversation(
    maker: "TicketMaker", life: Life, staff: Actor, author: Actor, at: int, helpdesk: bool
) -> int:
    """Staff replies, each answered by the author now and then; returns the last time."""
    rng = maker.rng
    for _ in range(rng.choice((0, 1, 1, 1, 1, 2, 3))):
        if not life.room(2 + CLOSING):
            break
        at = maker.later(at)
        _staff_reply(maker, life, staff, at, helpdesk)
        if rng.random() < 0.35 and life.room(2 + CLOSING):
            at = maker.later(at, typical_minutes=300)
            _author_reply(maker, life, author, at, helpdesk)
    if rng.random() < 0.15 and life.room(1 + CLOSING):
        at = maker.later(at, typical_minutes=30)
        mentions = _mentions(maker) if rng.random() < 0.3 else None
        life.note(staff, body(maker.vocabulary.note_text(rng), helpdesk), at, mentions)
    return at


def _mentions(maker: "TicketMaker") -> str | None:
    teammates = maker.cast.helpdesk_staff
    return to_json([maker.rng.choice(teammates).guid]) if teammates else None


def _staff_edits(maker: "TicketMaker", life: Life, staff: Actor, at: int, helpdesk: bool) -> int:
    """Series tickets get their tags and field values from staff, one event each."""
    rng = maker.rng
    if helpdesk:
        return at
    if maker.tag_ids and rng.random() < 0.15:
        at = maker.later(at, typical_minutes=10)
        life.replace_tags(staff, maker.some_tags(), at)
    fields = maker.cast.custom_fields
    if fields and rng.random() < 0.1:
        at = maker.later(at, typical_minutes=10)
        chosen = rng.choice(fields)
        life.set_field(staff, chosen.id, maker.field_value(chosen.type, chosen.options), at)
    return at


def _close(
    maker: "TicketMaker", life: Life, staff: Actor, author: Actor, final: Status, at: int,
    helpdesk: bool,
) -> int:  # fmt: skip
    """Resolved or closed; a few are reopened by staff after the author writes again."""
    rng = maker.rng
    at = maker.later(at, typical_minutes=600)
    if helpdesk and final is Status.RESOLVED and life.room(2):
        life.reply_and_update_status(staff, _staff_body(maker, True), at, staff=True, complete=True)
    else:
        life.set_status(final, at, staff)
    if rng.random() < 0.03 and life.room(3):
        at = maker.later(at, typical_minutes=2_000)
        life.reply(author, _author_body(maker, helpdesk), at, staff=False)
        life.set_status(Status.OPEN, at, staff)
        at = maker.later(at, typical_minutes=600)
        life.set_status(final, at, staff)
    return at


def _maybe_draft(
    maker: "TicketMaker", life: Life, staff: Actor, at: int, helpdesk: bool, chance: float
) -> None:
    if maker.rng.random() < chance and life.room():
        life.reply(staff, _staff_body(maker, helpdesk), maker.later(at), staff=True, draft=True)
