"""Which route a request took, as a label that stays small and carries no secret."""

from collections.abc import MutableMapping
from typing import Any

from starlette.routing import Mount

UNMATCHED = "unmatched"  # every path no route matches, so the label set stays small


def route_template(scope: MutableMapping[str, Any], status: int | None = None) -> str:
    """The matched route as written in the code (`/tickets/get/{ticketId}`), under the
    prefixes of the mounts it is in; never the path as sent, which may carry a key or a
    token. A mount that found nothing inside it (a 404) is `unmatched`."""
    route = scope.get("route")
    if route is None:
        return UNMATCHED
    root = scope.get("app_root_path", scope.get("root_path", ""))
    mounted = scope.get("root_path", "")[len(root) :]
    if isinstance(route, Mount):
        return UNMATCHED if status == 404 else f"{mounted}/{{path}}"
    return mounted + getattr(route, "path", "")
