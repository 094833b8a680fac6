"""What staff do from a ticket's page, through the same core functions as the APIs, as
the signed-in person's Actor."""

from ticketd.db.database import Database
from ticketd.kit.errors import InvalidInput
from ticketd.kit.web import message_text
from ticketd.people.actors import Actor
from ticketd.tickets import conversation, edits, service
from ticketd.tickets.model import Body, Status
from ticketd.workspaces.config import WorkspaceConfig


def may_act(actor: Actor) -> bool:
    """Read-only teammates see the page without its forms."""
    return actor.role != "read_only_user"


async def perform(
    db: Database, config: WorkspaceConfig, actor: Actor, code: str, action: str,
    form: dict[str, str],
) -> None:  # fmt: skip
    match action:
        case "claim":
            await service.claim(db, config, code, actor=actor)
        case "unclaim":
            await service.unclaim(db, config, code, actor=actor)
        case "reply":
            body = Body(_text(form, "text"))
            await conversation.reply(db, config, code, actor=actor, body=body)
        case "note":
            body = Body(_text(form, "text"))
            await conversation.add_note(db, config, code, actor=actor, body=body, mentions=[])
        case "status":
            await service.change_status(db, config, code, actor=actor, status=_status(form))
        case "priority":
            priority = form.get("priority", "")
            await service.change_priority(db, config, code, actor=actor, priority=priority)
        case "assign":
            await service.assign(
                db, config, code, actor=actor, assignee_guid=form.get("assignee") or None,
                previous_guid=form.get("previous") or None,
            )  # fmt: skip
        case "tags":
            tags = [t.strip() for t in form.get("tags", "").split(",") if t.strip()]
            await edits.replace_tags(db, config, code, actor=actor, tags=tags)
        case "transfer":
            department = form.get("department", "")
            await service.transfer(db, config, code, actor=actor, department_key=department)
        case _:
            raise InvalidInput(f"unknown action {action!r}")


def _text(form: dict[str, str], name: str) -> str:
    return message_text(form.get(name, ""))


def _status(form: dict[str, str]) -> Status:
    try:
        return Status(form.get("status", ""))
    except ValueError:
        raise InvalidInput("Choose one of the statuses.") from None
