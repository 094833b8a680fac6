"""What an operator sees: one JSON access line per request with its id and never a
credential, X-Request-Id on every answer, error lines carrying the request id, and
Prometheus metrics labelled by route template."""

import io
import json
import logging
import os
import re
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.helpdesk import access_token
from tests.support.series import create_ticket
from tests.support.workspaces import Workspace, new_workspace, settings_for
from ticketd.app import Services, build_services, create_app
from ticketd.helpdesk import auth
from ticketd.observe.logs import JsonFormatter, logging_config
from ticketd.settings import Settings

pytestmark = pytest.mark.anyio

GENERATED_ID = re.compile(r"[0-9a-f]{32}")
TICKET_ROUTE = "/tickets/get/{ticketId}"
REPO = Path(__file__).resolve().parent.parent


@dataclass
class Observed:
    services: Services
    http: httpx.AsyncClient
    ws: Workspace
    bearer: str
    refresh_token: str


@asynccontextmanager
async def observed_app(database_url: str, **settings: object) -> AsyncIterator[Observed]:
    """An app of its own, a workspace with its API key, and a helpdesk access token. The
    transport answers unexpected errors with 500 instead of raising them in the test."""
    services = build_services(settings_for(database_url, **settings))
    await services.db.connect()
    try:
        transport = httpx.ASGITransport(
            app=create_app(services=services), raise_app_exceptions=False
        )
        async with httpx.AsyncClient(transport=transport, base_url="http://ticketd.test") as http:
            ws = await new_workspace(services, http)
            made = await auth.create_client(services.db, workspace_id=ws.id, name="Observer")
            bearer = await access_token(http, made.refresh_token, made.client_id)
            yield Observed(services, http, ws, bearer, made.refresh_token)
    finally:
        await services.db.close()


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """Everything ticketd logs at info and above, formatted as `ticketd serve` does."""
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("ticketd")
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield captured
    logger.removeHandler(handler)
    logger.setLevel(previous)


def parsed(captured: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in captured.getvalue().splitlines()]


def access_lines(captured: io.StringIO) -> list[dict[str, Any]]:
    return [line for line in parsed(captured) if line["logger"] == "ticketd.access"]


async def test_access_line_has_the_request_and_no_credential(
    database_url: str, log_lines: io.StringIO
) -> None:
    async with observed_app(database_url) as o:
        o.http.headers["apikey"] = o.ws.key
        ticket_id = (await create_ticket(o.http, message="Help me please"))["TicketId"]
        key_headers = {"cookie": "ticketd_staff=cookie-secret-value"}
        got = await o.http.get(
            f"/tickets/get/{ticket_id}?token=query-secret-value", headers=key_headers
        )
        assert got.status_code == 200
        helpdesk = await o.http.get(
            "/helpdesk/categories", headers={"Authorization": f"Bearer {o.bearer}"}
        )
        assert helpdesk.status_code == 200
        await o.http.get(f"/basic/check-key/{o.ws.key}")

    text = log_lines.getvalue()
    for secret in (o.ws.key, o.bearer, o.refresh_token, "cookie-secret-value",
                   "query-secret-value", "Help me please"):  # fmt: skip
        assert secret not in text
    lines = access_lines(log_lines)
    line = next(entry for entry in lines if entry["route"] == TICKET_ROUTE)
    assert line["method"] == "GET" and line["status"] == 200 and line["level"] == "INFO"
    assert line["workspace_id"] == o.ws.id
    assert line["request_id"] == got.headers["x-request-id"]
    assert isinstance(line["duration_ms"], float | int) and line["duration_ms"] >= 0
    assert line["client"] == "127.0.0.1"
    assert {"time", "message", "logger"} <= set(line)
    routes = {entry["route"] for entry in lines}
    assert {"/helpdesk/categories", "/basic/check-key/{apiKey}", "/helpdesk/token"} <= routes
    helpdesk_line = next(e for e in lines if e["route"] == "/helpdesk/categories")
    assert helpdesk_line["workspace_id"] == o.ws.id


async def test_request_id_taken_when_sane_and_made_otherwise(database_url: str) -> None:
    async with observed_app(database_url) as o:
        sent = "req-" + "x" * 124  # 128 characters
        for path in ("/healthz", "/staff/login", f"/nowhere-{uuid.uuid4()}", "/tickets/get/1"):
            answer = await o.http.get(path, headers={"x-request-id": sent})
            assert answer.headers["x-request-id"] == sent, path
        for insane in ("has space", "x" * 129, "tab\there", "ünïcode"):
            answer = await o.http.get("/healthz", headers={"x-request-id": insane.encode()})
            assert GENERATED_ID.fullmatch(answer.headers["x-request-id"]), insane
        ids = {(await o.http.get("/tickets/get/1")).headers["x-request-id"] for _ in range(2)}
        assert len(ids) == 2 and all(GENERATED_ID.fullmatch(i) for i in ids)


async def test_error_lines_carry_the_request_id(
    database_url: str, log_lines: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the database fell over")

    async with observed_app(database_url) as o:
        monkeypatch.setattr("ticketd.workspaces.access.tickets_workspace", broken)
        headers = {"x-request-id": "series-error-1", "apikey": o.ws.key}
        series = await o.http.get(f"/tickets/get/1?apiKey={o.ws.key}", headers=headers)
        headers = {"x-request-id": "helpdesk-error-1", "authorization": f"Bearer {o.bearer}"}
        helpdesk = await o.http.get("/helpdesk/categories", headers=headers)

    seen = [(series, "series-error-1", TICKET_ROUTE),
            (helpdesk, "helpdesk-error-1", "/helpdesk/categories")]  # fmt: skip
    for answer, request_id, route in seen:
        assert answer.status_code == 500
        assert answer.headers["x-request-id"] == request_id
        lines = [line for line in parsed(log_lines) if line.get("request_id") == request_id]
        error = next(line for line in lines if line["level"] == "ERROR")
        assert error["message"] == f"unhandled error on GET {route}"
        assert "the database fell over" in error["exception"]
        assert [line["status"] for line in lines if line["logger"] == "ticketd.access"] == [500]
    assert o.ws.key not in log_lines.getvalue()


async def test_access_log_can_be_turned_off(database_url: str, log_lines: io.StringIO) -> None:
    async with observed_app(database_url, access_log=False) as o:
        assert (await o.http.get("/healthz")).status_code == 200
    assert access_lines(log_lines) == []


def test_log_level_in_any_case_and_checked() -> None:
    assert Settings(log_level="WARNING").log_level == "warning"
    config = logging_config("warning")
    assert config["loggers"]["ticketd"]["level"] == logging.WARNING
    assert config["loggers"]["uvicorn"]["level"] == logging.WARNING
    with pytest.raises(ValueError, match="'critical', 'error', 'warning', 'info', 'debug'"):
        Settings(log_level="loud")


# Metrics


def samples(exposition: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(exposition)
        for s in family.samples
    }


def value(found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str,
          **labels: str) -> float:  # fmt: skip
    return found.get((name, frozenset(labels.items())), 0.0)


def route_labels(exposition: str) -> set[str]:
    return {dict(labels).get("route", "") for _, labels in samples(exposition)} - {""}


async def scrape(http: httpx.AsyncClient) -> str:
    answer = await http.get("/metrics")  # no key: the client sends none on its own
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    return answer.text


async def test_metrics_count_requests_by_route_template(database_url: str) -> None:
    async with observed_app(database_url) as o:
        o.http.headers["apikey"] = o.ws.key
        ticket_id = (await create_ticket(o.http))["TicketId"]
        before = samples(await scrape(o.http))
        for _ in range(3):
            assert (await o.http.get(f"/tickets/get/{ticket_id}")).status_code == 200
        assert (await o.http.get("/tickets/get/999999999")).status_code == 404
        after = samples(await scrape(o.http))

    labels = {"method": "GET", "route": TICKET_ROUTE}
    counted = "ticketd_http_requests_total"
    assert (
        value(after, counted, **labels, status="200")
        - value(before, counted, **labels, status="200")
        == 3
    )
    assert (
        value(after, counted, **labels, status="404")
        - value(before, counted, **labels, status="404")
        == 1
    )
    timed = "ticketd_http_request_duration_seconds_count"
    assert (
        value(after, timed, **labels, status_class="2xx")
        - value(before, timed, **labels, status_class="2xx")
        == 3
    )


async def test_metrics_count_a_rate_limit_refusal(database_url: str) -> None:
    refused = "ticketd_rate_limit_rejections_total"
    async with observed_app(database_url, rate_limit_per_second=1) as o:
        before = value(samples(await scrape(o.http)), refused, api="series")
        answers = [await o.http.get("/tickets/config", headers={"apikey": o.ws.key})
                   for _ in range(3)]  # fmt: skip
        assert [a.status_code for a in answers].count(429) >= 1
        after = value(samples(await scrape(o.http)), refused, api="series")
        scrapes = [(await o.http.get("/metrics")).status_code for _ in range(5)]
        assert scrapes == [200] * 5  # the scraper is never limited
    assert after - before == [a.status_code for a in answers].count(429)


async def test_metrics_show_pool_and_outbox_backlog(database_url: str) -> None:
    async with observed_app(database_url) as o:
        o.http.headers["apikey"] = o.ws.key
        await create_ticket(o.http)  # an event for the outbox; no worker runs here
        found = samples(await scrape(o.http))
        pool_size = o.services.settings.database_pool_size
    engine_max = 1 if database_url.startswith("sqlite") else pool_size
    assert value(found, "ticketd_db_pool_max") == engine_max
    assert 1 <= value(found, "ticketd_db_pool_size") <= engine_max
    assert 0 <= value(found, "ticketd_db_pool_in_use") <= engine_max
    assert value(found, "ticketd_outbox_backlog", kind="events_waiting") >= 1
    for kind in ("deliveries_pending", "destinations_backing_off"):
        assert ("ticketd_outbox_backlog", frozenset({("kind", kind)})) in found


async def test_unknown_paths_add_no_route_label(database_url: str) -> None:
    async with observed_app(database_url) as o:
        await o.http.get("/nowhere")  # `unmatched` exists from here on
        before = route_labels(await scrape(o.http))
        random = uuid.uuid4().hex
        for path in (f"/{random}", f"/helpdesk/{random}", f"/staff/{random}/x",
                     f"/t/{random}/reply/x", f"/tickets/{random}"):  # fmt: skip
            assert (await o.http.get(path)).status_code in (404, 405)
        exposition = await scrape(o.http)
    assert random not in exposition
    assert route_labels(exposition) == before


@pytest.mark.slow
def test_multiprocess_mode_adds_up_every_process(own_sqlite_url: str, tmp_path: Path) -> None:
    """With PROMETHEUS_MULTIPROC_DIR, each process writes its own files and any process's
    /metrics shows the sum; a process that has exited leaves its counts but not its
    pool gauges."""
    files = tmp_path / "metrics"  # a directory of its own: every *.db in it is read
    files.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(files)}
    env.pop("TICKETD_DATABASE_URL", None)

    def process(requests: int) -> str:
        ran = subprocess.run(
            [sys.executable, "-m", "tests.support.metrics_process", own_sqlite_url, str(requests)],
            env=env, capture_output=True, text=True, timeout=60, cwd=REPO,
        )  # fmt: skip
        assert ran.returncode == 0, ran.stderr
        return ran.stdout

    process(2)
    process(3)
    found = samples(process(0))
    health = {"method": "GET", "route": "/healthz", "status": "200"}
    assert value(found, "ticketd_http_requests_total", **health) == 5
    assert value(found, "ticketd_db_pool_max") == 1  # only the live process's pool
    assert len(list(files.glob("counter_*.db"))) == 3
