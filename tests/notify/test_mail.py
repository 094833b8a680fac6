"""Staff replies become e-mail to the ticket's creator and cc: built from typed notices,
sent through a real local SMTP server, read back as the receiver parses them."""

from dataclasses import replace
from email.headerregistry import Address
from email.message import EmailMessage

import pytest

from tests.support import notices
from tests.support.notices import MailThread
from tests.support.servers import free_port
from tests.support.smtp_server import PASSWORD, USER, Received, SmtpServer, silent_server
from ticketd.notify import mail
from ticketd.notify.model import Notice, Outcome
from ticketd.tickets.model import Attachment, MessageKind, TicketDetails

pytestmark = pytest.mark.anyio

SENDER = "support@ticketd.test"
BASE_URL = "https://help.example.com/"
CODE = notices.CODE
CREATOR, STAFF, TEAMMATE = notices.author(), notices.staff(), notices.teammate()


def build(notice: Notice, recipient: str = CREATOR.email or "") -> EmailMessage:
    return mail.reply_mail(notice, recipient, sender=SENDER, base_url=BASE_URL)


async def deliver(smtp: SmtpServer, notice: Notice, **settings: object) -> Received:
    outcome = await mail.send(build(notice), smtp.settings(**settings))
    assert outcome.delivered, outcome
    return smtp.inbox.received[-1]


def parts(message: EmailMessage) -> tuple[str, str]:
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


async def test_a_reply_arrives_as_text_and_html_from_the_workspace(smtp: SmtpServer) -> None:
    new_year = 1_767_225_600_000  # 2026-01-01T00:00:00Z; the first reply comes a minute later
    ticket = notices.ticket(subject="Printer on fire", created_at=new_year)
    thread = MailThread(ticket=ticket, config=notices.config(name="Acme Support"))
    notice = thread.reply("Have you tried water?", html="<p>Have you tried <b>water</b>?</p>")

    outcome = await mail.send(build(notice), smtp.settings())

    assert outcome == Outcome(delivered=True, status=250, response="2.0.0 Queued as test")
    got = smtp.inbox.only()
    assert (got.mail_from, got.rcpt_tos) == (SENDER, [CREATOR.email])
    message = got.message
    assert message["Subject"] == f"Re: Printer on fire [{CODE}]"
    assert message["From"].addresses == (Address("Acme Support", addr_spec=SENDER),)
    assert message["To"] == CREATOR.email
    assert message["Date"].datetime.isoformat() == "2026-01-01T00:01:00+00:00"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Ticketd-Ticket"] == CODE
    text, html = parts(message)
    link = f"https://help.example.com/staff/tickets/{CODE}"
    assert text == f"Have you tried water?\n\n-- \nTicket {CODE}\n{link}\n"
    assert "<p>Have you tried <b>water</b>?</p>" in html
    assert f'<a href="{link}">{CODE}</a>' in html


async def test_a_plain_reply_is_escaped_in_html_with_its_line_breaks(smtp: SmtpServer) -> None:
    notice = MailThread().reply("if a < b &&\nb > c")

    _, html = parts((await deliver(smtp, notice)).message)

    assert "if a &lt; b &amp;&amp;<br>b &gt; c" in html


def test_without_a_base_url_the_footer_names_the_ticket_without_a_link() -> None:
    notice = MailThread().reply("Done.")

    text, html = parts(mail.reply_mail(notice, "x@example.com", sender=SENDER, base_url=None))

    assert text.endswith(f"-- \nTicket {CODE}\n")
    assert "<a " not in html and CODE in html


def test_attachments_are_listed_as_links() -> None:
    thread = MailThread()
    notice = thread.reply("Here is the form.")
    assert notice.message is not None
    notice.message.attachments = (Attachment("https://files.test/form.pdf", "form.pdf"),)

    text, html = parts(build(notice))

    assert "Attachments:\n- form.pdf: https://files.test/form.pdf\n" in text
    assert '<a href="https://files.test/form.pdf">form.pdf</a>' in html


def test_unsafe_html_in_a_reply_is_sanitised_again() -> None:
    notice = MailThread().reply("hi", html='<p onclick="x()">hi<script>steal()</script></p>')

    _, html = parts(build(notice))

    assert "<p>hi</p>" in html
    assert "script" not in html and "onclick" not in html


async def test_three_replies_on_one_ticket_form_one_thread(smtp: SmtpServer) -> None:
    thread = MailThread()
    first = await deliver(smtp, thread.reply("First"))
    thread.write(MessageKind.AUTHOR, "Still broken", by=CREATOR)
    second = await deliver(smtp, thread.reply("Second", by=TEAMMATE))
    third = await deliver(smtp, thread.reply("Third"))

    root = f"<{CODE}.{mail.workspace_digest(notices.WORKSPACE_ID)}@ticketd.test>"
    ids = [got.message["Message-ID"] for got in (first, second, third)]
    keys = [m.key for m in thread.written if m.kind is MessageKind.STAFF]
    assert ids == [f"<{key}.{CODE}@ticketd.test>" for key in keys]
    assert [got.message["In-Reply-To"] for got in (first, second, third)] == [root, *ids[:2]]
    assert [got.message["References"].split() for got in (first, second, third)] == [
        [root],
        [root, ids[0]],
        [root, ids[0], ids[1]],
    ]


def identity(message: EmailMessage) -> tuple[object, ...]:
    """All of a mail but its MIME boundary, which is random."""
    return (*((name, str(value)) for name, value in message.items()), parts(message))


def test_building_a_reply_again_later_gives_the_same_mail() -> None:
    thread = MailThread()
    thread.reply("First")
    notice = thread.reply("Second")
    assert notice.message is not None
    before = build(notice)
    thread.reply("Third, written before the retry")

    again = build(thread.notice_of(notice.message))

    assert again["Message-ID"] == f"<{notice.message.key}.{CODE}@ticketd.test>"
    assert identity(again) == identity(before)


def test_references_keep_the_root_and_the_latest_replies() -> None:
    thread = MailThread()
    for number in range(mail.REFERENCES_KEPT + 5):
        thread.reply(f"Reply {number}")
    notice = thread.reply("The last")

    references = build(notice)["References"].split()

    earlier = [m for m in thread.written if m is not notice.message]
    assert references[0] == f"<{CODE}.{mail.workspace_digest(notices.WORKSPACE_ID)}@ticketd.test>"
    assert references[1:] == [
        f"<{m.key}.{CODE}@ticketd.test>" for m in earlier[-mail.REFERENCES_KEPT :]
    ]


def test_notes_are_never_mailed() -> None:
    thread = MailThread()
    note = thread.write(MessageKind.NOTE, "Customer is difficult, refund denied")

    assert mail.recipients(thread.notice_of(note)) == []
    with pytest.raises(mail.NotAStaffReply):
        build(thread.notice_of(note))


def test_a_note_given_with_the_thread_stays_out_of_the_mail() -> None:
    thread = MailThread()
    note = thread.write(MessageKind.NOTE, "Internal: refund denied")
    reply = thread.write(MessageKind.STAFF, "We are looking into it.")

    built = build(thread.notice_of(reply, messages=list(thread.written)))

    text, html = parts(built)
    assert "refund" not in text and "refund" not in html
    assert note.key not in built["References"]
    assert (
        built["References"]
        == f"<{CODE}.{mail.workspace_digest(notices.WORKSPACE_ID)}@ticketd.test>"
    )


def test_recipients_are_the_creator_and_cc_once_each_without_the_replier() -> None:
    cc = ("Boss@Example.com", "CARA@example.com", "boss@example.com", "SAM@acme.test", "x@y.z")
    thread = MailThread(ticket=notices.ticket(cc=cc))

    assert mail.recipients(thread.reply("Hello", by=STAFF)) == [
        "cara@example.com",
        "Boss@Example.com",
        "x@y.z",
    ]


def test_the_replier_is_excluded_when_only_the_workspace_knows_them() -> None:
    thread = MailThread(ticket=notices.ticket(cc=("tess@acme.test",)))
    notice = replace(thread.reply("Hello", by=TEAMMATE), people={}, details=TicketDetails())

    assert mail.recipients(notice) == []


def test_the_creator_is_found_in_the_tickets_details_too() -> None:
    thread = MailThread(ticket=notices.ticket(cc=("cc@example.com",)))
    notice = thread.reply("Hello")

    in_details = replace(notice, people={}, details=TicketDetails(people={CREATOR.guid: CREATOR}))
    unknown = replace(notice, people={}, details=TicketDetails())

    assert mail.recipients(in_details) == ["cara@example.com", "cc@example.com"]
    assert mail.recipients(unknown) == ["cc@example.com"]


async def test_unicode_subject_body_and_sender_name_round_trip(smtp: SmtpServer) -> None:
    subject, body = "Ærlig talt — 日本語のチケット 🎫", "Grüße aus Tromsø 👋\nZweite Zeile"
    thread = MailThread(
        ticket=notices.ticket(subject=subject), config=notices.config(name="Støtte ✉")
    )

    message = (await deliver(smtp, thread.reply(body))).message

    assert message["Subject"] == f"Re: {subject} [{CODE}]"
    assert message["From"].addresses[0].display_name == "Støtte ✉"
    assert parts(message)[0].startswith(body + "\n")


async def test_a_line_break_in_the_subject_cannot_add_a_header(smtp: SmtpServer) -> None:
    thread = MailThread(ticket=notices.ticket(subject="Hi\r\nBcc: x@y"))

    got = await deliver(smtp, thread.reply("Hello"))

    assert got.message["Bcc"] is None
    assert got.message["Subject"] == f"Re: Hi Bcc: x@y [{CODE}]"
    assert got.rcpt_tos == [CREATOR.email]


async def test_a_long_subject_is_folded_and_reads_back_whole(smtp: SmtpServer) -> None:
    subject = " ".join(f"word{n}" for n in range(60))
    thread = MailThread(ticket=notices.ticket(subject=subject))

    got = await deliver(smtp, thread.reply("Hello"))

    headers = got.raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    assert max(len(line) for line in headers) <= 78
    assert got.message["Subject"] == f"Re: {subject} [{CODE}]"


async def test_login_with_the_right_password_is_used(smtp: SmtpServer) -> None:
    got = await deliver(smtp, MailThread().reply("Hello"), smtp_user=USER, smtp_password=PASSWORD)

    assert got.authenticated


async def test_a_wrong_password_is_a_permanent_failure_that_never_shows_it(
    smtp: SmtpServer,
) -> None:
    settings = smtp.settings(smtp_user=USER, smtp_password="hunter2-wrong")

    outcome = await mail.send(build(MailThread().reply("Hello")), settings)

    assert (outcome.delivered, outcome.permanent, outcome.status) == (False, True, 535)
    assert outcome.error == "535 5.7.8 Bad password ********"
    assert "hunter2" not in repr(outcome)
    assert smtp.inbox.received == []


@pytest.mark.parametrize(
    ("answer", "permanent"),
    [("451 4.3.0 Try again later", False), ("550 5.7.1 Message refused", True)],
)
async def test_the_data_answer_decides_whether_to_retry(
    smtp: SmtpServer, answer: str, permanent: bool
) -> None:
    smtp.inbox.data_answer = answer

    outcome = await mail.send(build(MailThread().reply("Hello")), smtp.settings())

    assert outcome == Outcome(
        delivered=False, status=int(answer[:3]), response=answer, error=answer, permanent=permanent
    )


async def test_a_refused_recipient_is_permanent(smtp: SmtpServer) -> None:
    smtp.inbox.rcpt_answer = "550 5.1.1 No such user"

    outcome = await mail.send(build(MailThread().reply("Hello")), smtp.settings())

    assert (outcome.delivered, outcome.permanent, outcome.status) == (False, True, 550)
    assert outcome.response == "550 5.1.1 No such user"


async def test_no_server_listening_is_retried_with_the_reason(smtp: SmtpServer) -> None:
    settings = smtp.settings(smtp_port=free_port())

    outcome = await mail.send(build(MailThread().reply("Hello")), settings)

    assert (outcome.delivered, outcome.permanent, outcome.status) == (False, False, None)
    assert outcome.error and outcome.error.startswith("SMTPConnectError: Error connecting")


async def test_a_server_that_never_answers_times_out_and_is_retried(smtp: SmtpServer) -> None:
    async with silent_server() as port:
        settings = smtp.settings(smtp_port=port, delivery_timeout_seconds=0.2)
        outcome = await mail.send(build(MailThread().reply("Hello")), settings)

    assert (outcome.delivered, outcome.permanent) == (False, False)
    assert outcome.error and "Timeout" in outcome.error


@pytest.mark.parametrize(("security", "reason"), [("starttls", "STARTTLS"), ("tls", "SSL")])
async def test_configured_tls_is_never_skipped_for_a_plain_server(
    smtp: SmtpServer, security: str, reason: str
) -> None:
    settings = smtp.settings(smtp_security=security)

    outcome = await mail.send(build(MailThread().reply("Hello")), settings)

    assert (outcome.delivered, outcome.permanent) == (False, False)
    assert outcome.error and reason in outcome.error
    assert smtp.inbox.received == []


async def test_without_an_smtp_host_nothing_is_sent(smtp: SmtpServer) -> None:
    outcome = await mail.send(build(MailThread().reply("Hello")), smtp.settings(smtp_host=None))

    assert (outcome.delivered, outcome.permanent) == (False, True)
    assert smtp.inbox.received == []


def test_tickets_sharing_a_code_in_two_workspaces_have_their_own_threads() -> None:
    """Codes are unique per workspace only (migration 0008)."""
    other_workspace = "0d7e1c2b-3a4f-4e5d-8c6b-7a8f9e0d1c2b"
    other = MailThread(
        ticket=notices.ticket(workspace_id=other_workspace, id=notices.TICKET_ID + 1)
    )
    mine = MailThread()

    roots = {build(t.reply("Hello"))["References"] for t in (mine, other)}

    assert len(roots) == 2
