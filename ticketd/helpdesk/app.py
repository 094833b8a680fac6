"""The helpdesk API with its own error handling, for the assembly to mount under
TICKETD_HELPDESK_PREFIX."""

from starlette.types import ASGIApp

from ticketd.helpdesk import routes
from ticketd.helpdesk.envelope import error_response
from ticketd.kit.api import mounted_api


def build_app() -> ASGIApp:
    return mounted_api(routes.routes, error_response)
