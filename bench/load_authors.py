"""The people who open the loaded tickets: Roblox users (some of them workspace members)
and helpdesk contacts known by e-mail, a few of whom open many tickets and most one or
two, as in a real inbox."""

import random
from dataclasses import dataclass

from bench.load_text import contact_names, person_names
from bench.load_workspace import Cast
from ticketd.kit import ids

ROBLOX_IDS_FROM = 100_000_001
CONTACT_SHARE = 0.2  # helpdesk contacts among authors
MEMBER_SHARE = 0.1  # workspace members among Roblox authors (up to how many there are)
# author index = n * u**SKEW: the lowest indexes open hundreds of tickets each at 1M.
SKEW = 1.6


@dataclass(frozen=True, slots=True)
class Author:
    guid: str
    user_id: int | None
    username: str | None
    display_name: str | None
    avatar_url: str | None
    email: str | None  # set for helpdesk contacts

    @property
    def is_contact(self) -> bool:
        return self.email is not None


def authors_for(count: int) -> int:
    """Tens of thousands of authors at a million tickets; one per ~20 tickets."""
    return max(50, count // 20)


def make_authors(cast: Cast, n: int, rng: random.Random) -> list[Author]:
    """`n` authors in a shuffled order (so the busiest are of every kind)."""
    workspace_id = cast.config.workspace.id
    members = list(cast.member_ids)
    rng.shuffle(members)
    authors: list[Author] = []
    for index in range(n):
        draw = rng.random()
        if draw < CONTACT_SHARE:
            authors.append(_contact(rng, index))
        elif draw < CONTACT_SHARE + MEMBER_SHARE and members:
            authors.append(_member(cast, workspace_id, members.pop()))
        else:
            authors.append(_roblox_user(workspace_id, rng, ROBLOX_IDS_FROM + index))
    return authors


def _contact(rng: random.Random, index: int) -> Author:
    name, email = contact_names(rng, index)
    return Author(ids.new_guid(), None, None, name, None, email)


def _member(cast: Cast, workspace_id: str, user_id: int) -> Author:
    """A member's names are the ones the configuration holds (they win on create)."""
    member = cast.config.members[user_id]
    return Author(
        cast.config.guid_for_user(user_id),
        user_id,
        member.username,
        member.display_name,
        member.avatar_url,
        None,
    )


def _roblox_user(workspace_id: str, rng: random.Random, user_id: int) -> Author:
    username, display_name = person_names(rng, user_id)
    avatar = f"https://tr.rbxcdn.com/avatar/{user_id}/150/150/AvatarHeadshot/Png"
    return Author(
        ids.user_guid(workspace_id, user_id), user_id, username, display_name, avatar, None
    )


def pick_author(authors: list[Author], rng: random.Random) -> Author:
    return authors[int(len(authors) * rng.random() ** SKEW)]


def contact_rows(workspace_id: str, authors: list[Author], now: int) -> list[dict[str, object]]:
    """`people` rows of the helpdesk contacts, as people.repository.upsert_contact
    writes them (Roblox authors who are not members have no row, as in the app)."""
    return [
        {
            "workspace_id": workspace_id,
            "guid": a.guid,
            "email": a.email,
            "email_key": a.email.lower(),
            "display_name": a.display_name,
            "avatar_url": None,
            "phone_number": None,
            "is_member": False,
            "created_at": now,
        }
        for a in authors
        if a.email is not None
    ]
