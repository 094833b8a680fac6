"""For the tests of workspace data through the helpdesk API: a second workspace to
check that each sees only its own."""

from tests.support.helpdesk import Helpdesk, access_token
from tests.support.workspaces import Workspace, new_workspace
from ticketd.helpdesk import auth

HUGE_ID = 2**64  # past every integer column; still matches the path's int pattern


async def other_workspace(hd: Helpdesk) -> tuple[Workspace, dict[str, str]]:
    """A second demo workspace on the same database, and the headers of a helpdesk
    client of its own."""
    other = await new_workspace(hd.ws.services, hd.client)
    created = await auth.create_client(hd.db, workspace_id=other.id, name="Other inbox")
    token = await access_token(hd.client, created.refresh_token, created.client_id)
    return other, {"Authorization": f"Bearer {token}"}
