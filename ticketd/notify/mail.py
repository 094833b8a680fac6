"""E-mail on staff replies: one message per address (the ticket's creator and its cc),
threaded by Message-IDs derived from the ticket and the reply, sent with aiosmtplib.
Only the reply the event is about is ever written into a mail: notes stay inside."""

import hashlib
import html
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from ticketd.kit import html as markup
from ticketd.notify.model import Notice, Outcome, ticket_url, truncated
from ticketd.people.model import Person
from ticketd.settings import Settings
from ticketd.tickets.events import EventType
from ticketd.tickets.model import Message, MessageKind, Ticket

# Earlier replies named in References besides the root: a long thread's header stays a
# few lines (RFC 5322 3.6.4 allows trimming; clients thread by the root and the parent).
REFERENCES_KEPT = 20


class NotAStaffReply(Exception):
    """Only a staff reply event with its reply becomes a mail."""


def recipients(notice: Notice) -> list[str]:
    """Who gets a mail for this event: the ticket's creator (when their address is
    known) and its cc, each once ignoring case, never the replier; none for anything
    but a staff reply."""
    reply = notice.message
    if not _is_staff_reply(notice) or reply is None:
        return []
    creator = _person(notice, notice.ticket.author_guid)
    candidates = [creator.email if creator and creator.email else "", *notice.ticket.cc]
    seen = {_replier_email(notice, reply).lower()}
    chosen: list[str] = []
    for address in (c.strip() for c in candidates):
        if address and address.lower() not in seen:
            seen.add(address.lower())
            chosen.append(address)
    return chosen


def reply_mail(
    notice: Notice, recipient: str, *, sender: str, base_url: str | None
) -> EmailMessage:
    """The mail telling `recipient` about the staff reply `notice` is about. Built from
    stored values only, so building it again for a retry gives the same mail."""
    reply = notice.message
    if not _is_staff_reply(notice) or reply is None:
        raise NotAStaffReply(f"{notice.event.type} is not mailed")
    ticket = notice.ticket
    domain = Address(addr_spec=sender).domain
    mail = EmailMessage()
    mail["Subject"] = f"Re: {_one_line(ticket.subject)} [{ticket.code}]"
    mail["From"] = Address(_one_line(notice.config.workspace.name), addr_spec=sender)
    mail["To"] = recipient
    mail["Date"] = formatdate(reply.created_at / 1000, usegmt=True)
    _thread(mail, ticket, reply, notice.messages, domain)
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: auto-responders stay quiet
    mail["X-Ticketd-Ticket"] = ticket.code
    link = ticket_url(base_url, ticket)
    mail.set_content(_text_body(reply, ticket, link))
    mail.add_alternative(_html_body(reply, ticket, link), subtype="html")
    return mail


def message_id(ticket: Ticket, message: Message, domain: str) -> str:
    return f"<{message.key}.{ticket.code}@{domain}>"


def root_id(ticket: Ticket, domain: str) -> str:
    """The ticket's own id: every reply refers to it, though no mail carries it. Codes
    are unique per workspace only and clients group mails by this root, so it also
    holds a digest of the workspace's id (short: a longer header line gets folded). Not
    the row id, which would tell every recipient how many tickets the whole service
    holds. (Before 0008 it was `<code@domain>`, then `<code.row-id@domain>`: a thread
    mailed then still holds together, as each new mail's In-Reply-To names the previous
    reply, whose id is unchanged.)"""
    return f"<{ticket.code}.{workspace_digest(ticket.workspace_id)}@{domain}>"


def workspace_digest(workspace_id: str) -> str:
    """48 bits of the workspace id's SHA-256: two workspaces' roots would also need the
    same ticket code to meet."""
    return hashlib.sha256(workspace_id.encode()).hexdigest()[:12]


async def send(mail: EmailMessage, settings: Settings) -> Outcome:
    """One attempt to hand `mail` to the configured SMTP server, envelope taken from its
    From and To. A 5xx answer is permanent; a 4xx, a timeout or no connection is not."""
    if not settings.smtp_host:
        return Outcome(delivered=False, error="smtp_host is not set", permanent=True)
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    try:
        _, answer = await aiosmtplib.send(
            mail,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_user,
            password=password,
            use_tls=settings.smtp_security == "tls",
            start_tls=settings.smtp_security == "starttls",
            timeout=settings.delivery_timeout_seconds,
        )
    except (aiosmtplib.SMTPException, OSError, TimeoutError, ValueError) as error:
        return _failed(error, password)
    return Outcome(delivered=True, status=250, response=truncated(answer))


def _failed(error: Exception, password: str | None) -> Outcome:
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused) and error.recipients:
        error = error.recipients[0]
    if isinstance(error, aiosmtplib.SMTPResponseException):
        text = _scrubbed(f"{error.code} {error.message}", password)
        permanent = 500 <= error.code < 600
        return Outcome(False, status=error.code, response=text, error=text, permanent=permanent)
    # An address aiosmtplib will not put in a command (a certificate that fails to verify
    # is a ValueError too, but also an OSError: that one may be fixed by next time).
    if isinstance(error, ValueError) and not isinstance(error, OSError):
        return Outcome(False, error=_scrubbed(str(error), password), permanent=True)
    # No connection, a timeout, a server that hung up or offers no STARTTLS: next time
    # may differ.
    return Outcome(False, error=_scrubbed(f"{type(error).__name__}: {error}", password))


def _scrubbed(text: str, password: str | None) -> str | None:
    """A server may echo what it was sent; the password never leaves this module."""
    return truncated(text.replace(password, "********") if password else text)


def _is_staff_reply(notice: Notice) -> bool:
    reply = notice.message
    return (
        notice.event.type is EventType.STAFF_REPLIED
        and reply is not None
        and reply.kind is MessageKind.STAFF
        and not reply.is_draft
    )


def _person(notice: Notice, guid: str | None) -> Person | None:
    if guid is None:
        return None
    return notice.people.get(guid) or notice.details.people.get(guid)


def _replier_email(notice: Notice, reply: Message) -> str:
    person = _person(notice, reply.author_guid)
    if person and person.email:
        return person.email.strip()
    teammate = notice.config.teammates.get(reply.author_guid or "")
    return teammate.email.strip() if teammate else ""


def _one_line(text: str) -> str:
    """Header text with every line break (CR, LF and Unicode's) made a space: a subject
    cannot start a header of its own."""
    return " ".join(" ".join(text.splitlines()).split())


def _thread(
    mail: EmailMessage, ticket: Ticket, reply: Message, messages: list[Message], domain: str
) -> None:
    # Ids rise with time: replies written after this one (the ticket may have moved on
    # before a retry) are left out, so a retried mail names the same references.
    earlier = [
        message_id(ticket, m, domain)
        for m in messages
        if m.kind is MessageKind.STAFF and not m.is_draft and m.id < reply.id
    ]
    references = [root_id(ticket, domain), *earlier[-REFERENCES_KEPT:]]
    mail["Message-ID"] = message_id(ticket, reply, domain)
    mail["In-Reply-To"] = references[-1]
    mail["References"] = " ".join(references)


def _text_body(reply: Message, ticket: Ticket, link: str | None) -> str:
    lines = [reply.text.rstrip(), ""]
    if reply.attachments:
        lines += ["Attachments:", *(f"- {a.name}: {a.url}" for a in reply.attachments), ""]
    lines += ["-- ", f"Ticket {ticket.code}"]
    if link:
        lines.append(link)
    return "\n".join(lines) + "\n"


def _html_body(reply: Message, ticket: Ticket, link: str | None) -> str:
    # Stored HTML is sanitised on the way in; sanitising again costs little and keeps
    # this module safe whatever the storage holds.
    body = markup.sanitise(reply.html) if reply.html else markup.from_text(reply.text)
    parts = [f"<div>{body}</div>"]
    if reply.attachments:
        items = "".join(
            f'<li><a href="{html.escape(a.url)}">{html.escape(a.name)}</a></li>'
            for a in reply.attachments
        )
        parts.append(f"<ul>{items}</ul>")
    code = html.escape(ticket.code)
    footer = f'<a href="{html.escape(link)}">{code}</a>' if link else code
    parts.append(f"<hr><p>Ticket {footer}</p>")
    return f"<!DOCTYPE html><html><body>{''.join(parts)}</body></html>\n"
