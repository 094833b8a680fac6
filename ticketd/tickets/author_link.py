"""The author's link: `/t/<public token>`, where a ticket's author reads its public
conversation and replies without an account, while their workspace shares such links
(PublicUrl on, tickets usable). The token (random, unique across the database) is the
link's only credential."""

import re

from ticketd.db.database import Database
from ticketd.people import actors
from ticketd.people.actors import Actor, ActorKind
from ticketd.tickets import repository
from ticketd.tickets.model import REPLY_KINDS, Message, Ticket
from ticketd.workspaces.config import TICKET_PLANS, WorkspaceConfig

PATH = "/t/"
_TOKEN = re.compile(r"[0-9a-f]{32}")


def is_shared(config: WorkspaceConfig) -> bool:
    """Links work only while the workspace's tickets do (its plan, its module)."""
    workspace = config.workspace
    return workspace.public_url and workspace.tickets_enabled and workspace.plan in TICKET_PLANS


def path(config: WorkspaceConfig, ticket: Ticket) -> str | None:
    """The link on this server, or None while the workspace does not share links."""
    return f"{PATH}{ticket.public_token}" if is_shared(config) else None


def url(base_url: str | None, config: WorkspaceConfig, ticket: Ticket) -> str | None:
    """The link under `base_url` (where people reach ticketd), when both are known."""
    link = path(config, ticket)
    return f"{base_url.rstrip('/')}{link}" if base_url and link else None


async def find(db: Database, token: str) -> tuple[Ticket, list[Message]] | None:
    """The ticket `token` opens, in any workspace, with the conversation its author sees:
    the author's and staff's published messages, oldest first (no notes, no drafts, and
    no system messages, which name departments and staff assignments). Whether its
    workspace shares links is the caller's check."""
    if not _TOKEN.fullmatch(token):
        return None
    async with db.connection() as conn:
        ticket, messages = await repository.find_by_public_token(conn, token)
    if ticket is None:
        return None
    return ticket, [m for m in messages if m.kind in REPLY_KINDS]


def author(config: WorkspaceConfig, ticket: Ticket) -> Actor:
    """Whoever holds the link acts as the ticket's author: by Roblox user id when the
    ticket has one, as the API's member replies do, else as the contact who opened it."""
    if ticket.author_user_id is not None:
        return actors.member(config, ticket.author_user_id)
    name = ticket.author_display_name or ticket.author_username or ""
    return Actor(ActorKind.MEMBER, ticket.author_guid, name)
