"""The demo workspace `ticketd serve` creates on an empty database."""

import secrets
from dataclasses import dataclass

from ticketd.db.database import Database
from ticketd.helpdesk import auth
from ticketd.people import actors, credentials
from ticketd.people import service as people
from ticketd.series.config_file import ConfigFile
from ticketd.workspaces import service as workspaces

DEMO_STAFF_ID = 987654321

# In the Series file format, as `ticketd workspace configure` reads it.
DEMO_CONFIG = {
    "Enabled": True,
    "PublicUrl": False,
    "Categories": {
        "support": {
            "Name": "Support",
            "WorkspaceMembershipRequired": False,
            "MinAccessRank": 0,
            "MaxOpenTickets": 5,
        },
        "reports": {
            "Name": "Player Reports",
            "WorkspaceMembershipRequired": False,
            "MinAccessRank": 0,
            "MaxOpenTickets": 10,
        },
    },
    "Departments": {
        "support-dept": {
            "Name": "Support",
            "Members": [DEMO_STAFF_ID],
            "Categories": ["support"],
            "RankRange": {"FromRank": 100, "ToRank": 255},
        },
        "moderation-dept": {
            "Name": "Moderation",
            "Members": [DEMO_STAFF_ID],
            "Categories": ["reports"],
            "RankRange": {"FromRank": 200, "ToRank": 255},
        },
    },
    "DiscordNotificationWebhookEnabled": False,
    "DiscordNotificationWebhookPing": None,
    "Members": [
        {
            "UserId": DEMO_STAFF_ID,
            "Username": "staff123",
            "DisplayName": "Staff Member",
            "AvatarUrl": None,
            "Rank": 255,
        },
    ],
}


DEMO_STAFF_EMAIL = "staff@example.com"


@dataclass(frozen=True, slots=True)
class Demo:
    workspace_id: str
    api_key: str
    client_id: str  # helpdesk client
    refresh_token: str
    staff_password: str  # the demo staff member's dashboard password


async def create_demo_workspace(db: Database) -> Demo:
    """The demo workspace, its Series API key, and a helpdesk client; the demo staff
    member is also a helpdesk admin (the same person in both APIs)."""
    workspace_id = await workspaces.create_workspace(
        db, name=workspaces.DEMO_WORKSPACE_NAME, plan="premium", actor=actors.SYSTEM
    )
    await workspaces.apply_config(
        db,
        None,
        workspace_id=workspace_id,
        config=ConfigFile.model_validate(DEMO_CONFIG).to_settings(),
        actor=actors.SYSTEM,
    )
    api_key, _ = await workspaces.create_api_key(
        db, workspace_id=workspace_id, name="demo", actor=actors.SYSTEM
    )
    await people.add_teammate(
        db,
        None,
        workspace_id=workspace_id,
        name="Staff Member",
        email=DEMO_STAFF_EMAIL,
        role="admin",
        user_id=DEMO_STAFF_ID,
        actor=actors.SYSTEM,
    )
    client = await auth.create_client(db, workspace_id=workspace_id, name="demo")
    password = secrets.token_urlsafe(12)
    await credentials.set_password(
        db, actor=actors.SYSTEM, workspace_id=workspace_id, password=password,
        user_id=DEMO_STAFF_ID,
    )  # fmt: skip
    return Demo(workspace_id, api_key, client.client_id, client.refresh_token, password)
