"""A helpdesk integration's view: a demo workspace with teammates, custom fields and an
access token already sent on each call (through the same app, on both engines).

Only fixtures live here; `Helpdesk` and its helpers are in tests/support/helpdesk.py."""

import pytest

from tests.support.helpdesk import Helpdesk, access_token, services_config
from tests.support.series import STAFF
from tests.support.workspaces import Workspace
from ticketd.cli import field_output, teammate_output
from ticketd.helpdesk import auth
from ticketd.people import service as people
from ticketd.people.actors import SYSTEM
from ticketd.workspaces import fields


@pytest.fixture
async def hd(ws: Workspace) -> Helpdesk:
    services = ws.services
    created = await auth.create_client(services.db, workspace_id=ws.id, name="Web form")
    client = ws.client
    token = await access_token(client, created.refresh_token, created.client_id)
    client.headers.pop("apikey", None)
    client.headers["Authorization"] = f"Bearer {token}"
    helpdesk = Helpdesk(ws, client, created.refresh_token, created.client_id)
    for name, email, role, user_id in (
        ("Ann Agent", "ann@example.com", "agent", None),
        ("Adam Admin", "adam@example.com", "admin", STAFF),  # also Series staff 987654321
        ("Rita Reader", "rita@example.com", "read_only_user", None),
    ):
        teammate = await people.add_teammate(
            services.db,
            services.cache,
            workspace_id=ws.id,
            name=name,
            email=email,
            role=role,
            user_id=user_id,
            actor=SYSTEM,
        )
        helpdesk.teammates[name.split()[0].lower()] = teammate_output(teammate)
    for name, kind, options in (
        ("City", "dropdown", ["Oslo", "Bergen"]),
        ("Order number", "number", None),
        ("Purchase date", "date", None),
        ("Notes", "text", None),
    ):
        custom_field = await fields.add_field(
            services.db,
            services.cache,
            workspace_id=ws.id,
            name=name,
            field_type=kind,
            options=options,
            actor=SYSTEM,
        )
        helpdesk.fields[name] = field_output(custom_field)
    config = await services_config(ws)
    helpdesk.categories = {c.key: c.number for c in config.categories.values()}
    return helpdesk
