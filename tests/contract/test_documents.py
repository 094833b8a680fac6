"""The OpenAPI documents and docs pages as served: every route is described, requests
are described by the models the routes validate with, the examples are the seeds', and
the docs page's assets come from the installed swagger-ui-py."""

import json
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import pytest
import schemathesis
from starlette.routing import Route

from tests.support.workspaces import new_workspace, settings_for
from ticketd.app import build_services, create_app
from ticketd.helpdesk import openapi as helpdesk_openapi
from ticketd.helpdesk import routes as helpdesk_routes
from ticketd.helpdesk.schemas import CreateTicketBody as HelpdeskCreate
from ticketd.kit.openapi import swagger_ui_assets
from ticketd.series import openapi as series_openapi
from ticketd.series import routes as series_routes
from ticketd.series.schemas import CreateTicketBody

pytestmark = pytest.mark.anyio
SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
METHODS = {"get", "post", "put", "patch", "delete"}


async def document(client: httpx.AsyncClient, path: str) -> dict[str, Any]:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


def operations_of(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(p, m.upper()) for p, item in doc["paths"].items() for m in item if m in METHODS}


def routes_of(routes: list[Route]) -> set[tuple[str, str]]:
    return {(r.path.replace(":int", ""), m) for r in routes for m in r.methods or () if m != "HEAD"}


async def test_series_document_describes_every_route_and_loads_as_openapi_3_1(
    client: httpx.AsyncClient,
) -> None:
    doc = await document(client, "/openapi.json")
    assert doc["openapi"] == "3.1.0"
    assert operations_of(doc) == routes_of(series_routes.routes)
    schemathesis.openapi.from_dict(doc)  # refuses a document that is not valid OpenAPI


async def test_helpdesk_document_describes_every_route_under_its_prefix(
    client: httpx.AsyncClient,
) -> None:
    doc = await document(client, "/helpdesk/openapi.json")
    assert doc["openapi"] == "3.1.0"
    assert doc["servers"] == [{"url": "/helpdesk"}]
    assert operations_of(doc) == routes_of(helpdesk_routes.routes)
    schemathesis.openapi.from_dict(doc)


async def test_request_bodies_are_the_validating_models_schemas(
    client: httpx.AsyncClient,
) -> None:
    series = await document(client, "/openapi.json")
    helpdesk = await document(client, "/helpdesk/openapi.json")
    ref = "#/components/schemas/"
    create = series["paths"]["/tickets/create"]["post"]["requestBody"]["content"]
    assert create["application/json"]["schema"] == {"$ref": ref + "CreateTicketBody"}
    generated = CreateTicketBody.model_json_schema(ref_template=ref + "{model}")
    assert series["components"]["schemas"]["CreateTicketBody"] == generated
    made = helpdesk["components"]["schemas"]["CreateTicketBody"]
    assert made == {
        k: v
        for k, v in HelpdeskCreate.model_json_schema(ref_template=ref + "{model}").items()
        if k != "$defs"
    }


async def test_each_operation_lists_its_errors_in_the_api_envelope(
    client: httpx.AsyncClient,
) -> None:
    series = await document(client, "/openapi.json")
    answers = series["paths"]["/tickets/{ticketId}/claim"]["post"]["responses"]
    assert {"200", "400", "401", "403", "404", "413", "415", "429", "503"} <= answers.keys()
    error = answers["404"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/ErrorEnvelope"}
    assert "Retry-After" in answers["429"]["headers"]
    helpdesk = await document(client, "/helpdesk/openapi.json")
    token = helpdesk["paths"]["/token"]["post"]
    assert token["security"] == []
    assert token["responses"]["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/TokenError"
    }


async def test_examples_are_the_seeds_own(client: httpx.AsyncClient) -> None:
    series = await document(client, "/openapi.json")
    create = series["paths"]["/tickets/create"]["post"]
    request = create["requestBody"]["content"]["application/json"]["examples"]["seed"]["value"]
    assert request["subject"] == "Help with ranking"
    answer = create["responses"]["200"]["content"]["application/json"]["examples"]["seed"]
    assert answer["value"]["data"]["TicketId"] == "TICKET-1234567890-ABCD"
    errors = create["responses"]["403"]["content"]["application/json"]["examples"]
    assert {e["value"]["error"]["message"] for e in errors.values()} >= {
        "Tickets module is not enabled for this workspace"
    }


@pytest.mark.skipif(not SEEDS.is_dir(), reason="shared/seeds is not beside the repository")
def test_stored_seed_examples_match_the_seed_documents() -> None:
    text = (SEEDS / "series-create-ticket.txt").read_text()
    stored = series_openapi.SEEDS["createTicket"]
    assert json.dumps(stored["response"], indent=2) in text
    for error in stored["errors"]:
        assert json.dumps(error, indent=2) in text
    helpdesk = (SEEDS / "socialboards-create-ticket.txt").read_text()
    stored = helpdesk_openapi.SEEDS["createTicket"]
    assert json.dumps(stored["request"], indent=4) in helpdesk
    assert json.dumps(stored["response"], indent=2) in helpdesk


@pytest.mark.parametrize("prefix", ["", "/helpdesk"])
async def test_docs_page_is_served_with_assets_from_the_installed_package(
    client: httpx.AsyncClient, prefix: str
) -> None:
    page = await client.get(f"{prefix}/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert 'url: "openapi.json"' in page.text and "docs/assets/swagger-ui-bundle.js" in page.text
    bundle = await client.get(f"{prefix}/docs/assets/swagger-ui-bundle.js")
    assert bundle.status_code == 200
    assert bundle.content == (swagger_ui_assets() / "swagger-ui-bundle.js").read_bytes()
    assert "site-packages" in str(swagger_ui_assets())  # installed, not copied in


async def test_a_missing_asset_is_a_404_in_the_api_envelope(client: httpx.AsyncClient) -> None:
    response = await client.get("/helpdesk/docs/assets/nothing.js")
    assert response.status_code == 404
    assert response.json()["errorCode"] == 400


def conforms(doc: dict[str, Any], path: str, method: str, response: httpx.Response) -> bool:
    """Whether `response` is one the document gives for this operation and status."""
    answer = doc["paths"][path][method]["responses"].get(str(response.status_code))
    if answer is None:
        return False
    schema = answer["content"]["application/json"]["schema"]
    root = {"components": doc["components"], **schema}
    return bool(jsonschema_rs.validator_for(root).is_valid(response.json()))


async def test_the_key_limit_s_429_is_part_of_the_contract(database_url: str) -> None:
    services = build_services(settings_for(database_url, rate_limit_per_second=25))
    await services.db.connect()
    try:
        transport = httpx.ASGITransport(app=create_app(services=services))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            ws = await new_workspace(services, client)
            doc = await document(client, "/openapi.json")
            for _ in range(25):
                await client.get("/tickets/config", headers={"apikey": ws.key})
            limited = await client.get("/tickets/config", headers={"apikey": ws.key})
            assert limited.status_code == 429
            assert conforms(doc, "/tickets/config", "get", limited)
            retry = doc["paths"]["/tickets/config"]["get"]["responses"]["429"]["headers"]
            assert "Retry-After" in retry and "retry-after" in limited.headers
            assert not conforms(doc, "/tickets/config", "get", limited.__class__(200, json={}))
    finally:
        await services.db.close()
