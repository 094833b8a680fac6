"""The Series API as a client sends it: a ticket body, and its error envelope."""

import httpx

STAFF = 987654321
AUTHOR = 123456789
# An avatar URL the API accepts (http(s), no spaces) that breaks out of an attribute
# if a page fails to escape it.
HOSTILE_AVATAR = 'https://x.example/a.png"><svg/onload=alert(4)>'


def ticket_body(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "subject": "Help with ranking",
        "category": "support",
        "message": "I need help getting ranked in the group",
        "priority": "medium",
        "authorUserId": AUTHOR,
        "authorUsername": "player123",
        "authorDisplayName": "Player Name",
        "authorAvatarUrl": "https://tr.rbxcdn.com/avatar-url",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


async def create_ticket(client: httpx.AsyncClient, **overrides: object) -> dict[str, object]:
    response = await client.post("/tickets/create", json=ticket_body(**overrides))
    assert response.status_code == 200, response.text
    return response.json()["data"]


def assert_error(response: httpx.Response, status: int, message: str) -> None:
    assert response.status_code == status, response.text
    assert response.json() == {"success": False, "error": {"code": status, "message": message}}
