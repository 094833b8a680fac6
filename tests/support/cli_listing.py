"""For tests of the `ticketd … list` and `… show` commands: one workspace with a bit
of everything (revoked and active keys and clients, a teammate, a custom field, Discord
webhooks with tokens, tickets with tags, a field value, a reply and a note), made
in-process through the core, and the secrets it holds, which no output may show."""

import asyncio
import copy
from dataclasses import dataclass, field
from typing import Any

from ticketd.db.database import Database, open_database
from ticketd.demo import DEMO_CONFIG
from ticketd.helpdesk import auth
from ticketd.kit.ids import secret_hash
from ticketd.people import actors
from ticketd.people import service as people
from ticketd.people.actors import SYSTEM
from ticketd.series.config_file import ConfigFile
from ticketd.tickets import conversation, service
from ticketd.tickets.model import Author, Body, NewTicket, Status, Ticket
from ticketd.workspaces import fields
from ticketd.workspaces import service as workspaces

WORKSPACE_HOOK_TOKEN = "workspaceHookToken-s3cr3t"
DEPARTMENT_HOOK_TOKEN = "departmentHookToken-s3cr3t"
ALICE = 111
BOB = 222


@dataclass
class Listed:
    id: str
    active_prefix: str = ""
    revoked_prefix: str = ""
    active_client: str = ""
    revoked_client: str = ""
    teammate_guid: str = ""
    field_id: int = 0  # the core's row id
    field_number: int = 0  # what the CLI shows
    tickets: dict[str, Ticket] = field(default_factory=dict)  # rank, report, zebra
    # Keys, refresh tokens, their hashes, Discord webhook tokens, the authors' links
    secrets: list[str] = field(default_factory=list)


def listing_config() -> dict[str, Any]:
    config = copy.deepcopy(DEMO_CONFIG)
    config["DiscordNotificationWebhookEnabled"] = True
    config["DiscordNotificationWebhookUrl"] = (
        f"https://discord.com/api/webhooks/1/{WORKSPACE_HOOK_TOKEN}"
    )
    config["Departments"]["moderation-dept"]["DiscordNotificationWebhookUrl"] = (
        f"https://discord.com/api/webhooks/2/{DEPARTMENT_HOOK_TOKEN}"
    )
    return config


def make_listed_workspace(database_url: str) -> Listed:
    async def work() -> Listed:
        db = open_database(database_url)
        await db.connect()
        try:
            return await _fill(db)
        finally:
            await db.close()

    return asyncio.run(work())


async def _fill(db: Database) -> Listed:
    made = Listed(await workspaces.create_workspace(db, name="Listed", actor=SYSTEM))
    made.secrets += [WORKSPACE_HOOK_TOKEN, DEPARTMENT_HOOK_TOKEN]
    settings = ConfigFile.model_validate(listing_config()).to_settings()
    await workspaces.apply_config(db, None, workspace_id=made.id, config=settings, actor=SYSTEM)
    await _keys_and_clients(db, made)
    teammate = await people.add_teammate(
        db, None, workspace_id=made.id, name="Tess Mate", email="tess@example.com",
        role="admin", actor=SYSTEM,
    )  # fmt: skip
    made.teammate_guid = teammate.guid
    platform = await fields.add_field(
        db, None, workspace_id=made.id, name="Platform", field_type="dropdown",
        options=["PC", "Mobile"], actor=SYSTEM,
    )  # fmt: skip
    made.field_id, made.field_number = platform.id, platform.number
    await _tickets(db, made)
    return made


async def _keys_and_clients(db: Database, made: Listed) -> None:
    for name in ("active", "revoked"):
        key, prefix = await workspaces.create_api_key(
            db, workspace_id=made.id, name=f"{name} key", actor=SYSTEM
        )
        client = await auth.create_client(db, workspace_id=made.id, name=f"{name} client")
        made.secrets += [key, key.removeprefix(prefix), client.refresh_token]
        made.secrets += [secret_hash(key), secret_hash(client.refresh_token)]
        if name == "active":
            made.active_prefix, made.active_client = prefix, client.client_id
        else:
            made.revoked_prefix, made.revoked_client = prefix, client.client_id
    await workspaces.revoke_api_key(db, None, prefix=made.revoked_prefix, actor=SYSTEM)
    await auth.revoke_client(db, client_id=made.revoked_client)


async def _tickets(db: Database, made: Listed) -> None:
    config = await workspaces.workspace_config(db, made.id)
    rank = await service.create(
        db, config,
        NewTicket("Cannot rank up", "support", Body("Please rank me"),
                  Author(ALICE, display_name="Alice"), tags=("vip",),
                  fields=((made.field_id, "PC"),)),
        actor=SYSTEM,
    )  # fmt: skip
    report = await service.create(
        db, config,
        NewTicket("Exploiter in server", "reports", Body("Someone flies"),
                  Author(BOB, display_name="Bob")),
        actor=SYSTEM,
    )  # fmt: skip
    zebra = await service.create(
        db, config,
        NewTicket("Another question", "support", Body("Where is the zebra?"),
                  Author(ALICE, display_name="Alice")),
        actor=SYSTEM,
    )  # fmt: skip
    tess = actors.teammate(config, config.teammates[made.teammate_guid])
    await conversation.reply(db, config, rank.id, actor=tess, body=Body("On it"))
    await conversation.add_note(
        db, config, rank.id, actor=tess, body=Body("Check the logs first"), mentions=[]
    )
    await service.change_status(db, config, report.id, actor=tess, status=Status.RESOLVED)
    made.tickets = {"rank": rank, "report": report, "zebra": zebra}
    made.secrets += [t.public_token for t in made.tickets.values()]
