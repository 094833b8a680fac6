"""API keys and helpdesk refresh tokens are stored only as hashes: no column of their
rows holds the secret the client was given."""

import pytest

from tests.support.workspaces import Workspace
from ticketd.helpdesk import auth

pytestmark = pytest.mark.anyio


async def test_keys_and_refresh_tokens_are_kept_only_as_hashes(ws: Workspace) -> None:
    made = await auth.create_client(ws.services.db, workspace_id=ws.id, name="Form")
    async with ws.services.db.connection() as conn:
        keys = await conn.fetch("SELECT * FROM api_keys WHERE workspace_id = $1", ws.id)
        clients = await conn.fetch("SELECT * FROM helpdesk_clients WHERE workspace_id = $1", ws.id)
    stored = [str(value) for row in [*keys, *clients] for value in tuple(row)]
    assert keys and clients
    assert not [v for v in stored if ws.key in v or ws.key.split("_")[-1] in v]
    assert not [v for v in stored if made.refresh_token in v]
    assert not [v for v in stored if made.refresh_token.removeprefix("rt_") in v]
