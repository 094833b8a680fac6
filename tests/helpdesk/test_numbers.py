"""The helpdesk's integer ids are numbers within the workspace (1, 2, 3…), so what one
workspace sees says nothing of how many tickets, replies or notes the others have."""

import asyncio
from typing import Any

import pytest

from tests.support.helpdesk import Helpdesk, ok
from tests.support.helpdesk_workspace_data import other_workspace
from ticketd.people import service as people
from ticketd.people.actors import SYSTEM

pytestmark = pytest.mark.anyio

TEAMMATE = {"email": "ann@example.com"}


class Inbox:
    """One workspace's helpdesk client."""

    def __init__(self, hd: Helpdesk, headers: dict[str, str]) -> None:
        self.client, self.headers = hd.client, headers

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        return ok(await self.client.post(f"/helpdesk{path}", json=body, headers=self.headers))

    async def create(self, n: int = 1) -> int:
        body = {"title": f"Volume {n}", "message": "m", "creator": {"email": f"c{n}@example.com"}}
        return await self.post("/tickets", body)

    async def reply_and_note(self, ticket: int) -> tuple[int, int]:
        reply = await self.post(f"/tickets/{ticket}/replies", {"message": "r", "author": TEAMMATE})
        note = await self.post(f"/tickets/{ticket}/notes", {"message": "n", "author": TEAMMATE})
        return reply["id"], note["id"]


async def two_fresh_inboxes(hd: Helpdesk) -> tuple[Inbox, Inbox]:
    inboxes = []
    for _ in range(2):
        other, headers = await other_workspace(hd)
        await add_ann(hd, other.id)
        inboxes.append(Inbox(hd, headers))
    return inboxes[0], inboxes[1]


async def add_ann(hd: Helpdesk, workspace_id: str) -> None:
    await people.add_teammate(
        hd.db, hd.ws.services.cache, workspace_id=workspace_id, name="Ann Agent",
        email=TEAMMATE["email"], role="agent", user_id=None, actor=SYSTEM,
    )  # fmt: skip


async def test_two_workspaces_both_see_their_first_ticket_as_id_1(hd: Helpdesk) -> None:
    busy, quiet = await two_fresh_inboxes(hd)

    assert await busy.create() == 1
    assert await quiet.create() == 1
    # messages: the opening one is 1, the reply 2, its status change's system message 3
    assert (await busy.reply_and_note(1), await quiet.reply_and_note(1)) == ((2, 4), (2, 4))


async def test_one_workspaces_numbers_reveal_nothing_of_anothers_volume(hd: Helpdesk) -> None:
    """The quiet workspace's ids run on the same whether the busy one was idle or
    created tickets, replies and notes in between."""
    busy, quiet = await two_fresh_inboxes(hd)
    seen = [await quiet.create()]
    for n in range(5):
        await busy.reply_and_note(await busy.create(n))
    seen.append(await quiet.create())
    seen.extend(await quiet.reply_and_note(seen[-1]))

    # messages: the openings are 1 and 2, the reply 3, its system message 4, the note 5
    assert seen == [1, 2, 3, 5]
    got = ok(await quiet.client.get("/helpdesk/tickets/2", headers=quiet.headers))
    assert (got["id"], got["title"]) == (2, "Volume 1")


async def test_concurrent_creates_in_one_workspace_take_every_number_once(hd: Helpdesk) -> None:
    inbox, _ = await two_fresh_inboxes(hd)

    ids = await asyncio.gather(*(inbox.create(n) for n in range(20)))

    assert sorted(ids) == list(range(1, 21))
