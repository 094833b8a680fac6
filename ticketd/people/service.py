"""Teammates and clients: who a ticket is from, assigned to, written by."""

from ticketd.db.database import Database
from ticketd.kit import ids
from ticketd.kit.clock import now_ms
from ticketd.kit.email import normalize_email
from ticketd.kit.errors import Conflict, InvalidInput
from ticketd.kit.validation import MAX_BIGINT
from ticketd.people import repository
from ticketd.people.actors import Actor
from ticketd.workspaces import repository as workspace_repository
from ticketd.workspaces.access import WorkspaceCache, announce_change, ensure_may_configure
from ticketd.workspaces.config import ROLES, Teammate
from ticketd.workspaces.service import checked_name


def checked_email(address: str) -> str:
    try:
        return normalize_email(address)
    except ValueError as error:
        raise InvalidInput(str(error)) from None


async def add_teammate(
    db: Database,
    cache: WorkspaceCache | None,
    *,
    actor: Actor,
    workspace_id: str,
    name: str,
    email: str,
    role: str,
    user_id: int | None = None,
) -> Teammate:
    """Adds a teammate, or gives the role to the person who already has this e-mail or
    Roblox user id (so their tickets stay theirs). Refuses when the e-mail and the user
    id belong to two different people."""
    ensure_may_configure(actor)
    name = checked_name(name)
    email = checked_email(email)
    if role not in ROLES:
        raise InvalidInput(f"role must be one of: {', '.join(ROLES)}")
    if user_id is not None and not 1 <= user_id <= MAX_BIGINT:
        raise InvalidInput("user id must be a positive integer")
    async with db.transaction() as conn:
        await workspace_repository.require_workspace(conn, workspace_id)
        found = await repository.find_matching(conn, workspace_id, email=email, user_id=user_id)
        if len(found) > 1:
            raise Conflict(f"{email} and user id {user_id} already belong to two different people")
        known = found[0]["user_id"] if found else None
        if user_id is not None and known is not None and known != user_id:
            raise Conflict(f"{email} already belongs to user id {known}")
        user_id = user_id if user_id is not None else known
        values: dict[str, object] = {
            "display_name": name,
            "email": email,
            "email_key": email.lower(),
            "role": role,
        }
        if user_id is not None:
            values["user_id"] = user_id
        if found:
            guid = found[0]["guid"]
            await repository.update_person(conn, workspace_id, found[0]["id"], **values)
        else:
            guid = ids.user_guid(workspace_id, user_id) if user_id else ids.new_guid()
            await repository.insert_person(
                conn,
                workspace_id=workspace_id,
                guid=guid,
                is_member=False,
                created_at=now_ms(),
                **values,
            )
    await announce_change(cache)
    avatar_url = found[0]["avatar_url"] if found else None
    return Teammate(guid, name, email, role, user_id, avatar_url)
