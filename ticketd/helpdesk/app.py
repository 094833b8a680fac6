"""The helpdesk API with its own error handling, for the assembly to mount under
TICKETD_HELPDESK_PREFIX."""

from starlette.types import ASGIApp

from ticketd.helpdesk import openapi, routes
from ticketd.helpdesk.envelope import error_response
from ticketd.kit.api import mounted_api
from ticketd.kit.openapi import contract_routes


def build_app() -> ASGIApp:
    """The routes, then `/openapi.json` and `/docs` (the contract and its page)."""
    contract = contract_routes("Helpdesk Tickets API (ticketd)", openapi.served)
    return mounted_api([*routes.routes, *contract], error_response)
