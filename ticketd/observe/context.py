"""The request being handled, as far as logging needs it: its id, and its workspace once
the request has named one. A context variable, so every log line emitted while handling
the request, in any function or task it starts, carries them."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(slots=True)
class RequestContext:
    request_id: str
    workspace_id: str | None = None


current: ContextVar[RequestContext | None] = ContextVar("ticketd_request", default=None)


def request_id() -> str | None:
    context = current.get()
    return context.request_id if context else None


def note_workspace(workspace_id: str) -> None:
    """Called where a request's workspace becomes known; outside a request it does nothing."""
    context = current.get()
    if context is not None:
        context.workspace_id = workspace_id
