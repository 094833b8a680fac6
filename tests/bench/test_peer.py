"""bench/peer/peer.py, end to end on SQLite: build the django-helpdesk venv from its pins,
prepare and seed a database, serve it, and the recipe prepare printed works (create 201,
get 200); SIGTERM stops gunicorn cleanly. Installs from PyPI, so slow (~15 s)."""

import importlib.util
import json
import sys
import urllib.request
from pathlib import Path
from types import ModuleType

import pytest

from tests.support.servers import free_port

pytestmark = pytest.mark.slow

PEER = Path(__file__).resolve().parents[2] / "bench" / "peer" / "peer.py"


def load_peer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_peer", PEER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def call(url: str, method: str, headers: dict[str, str], body: object = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=30) as answer:
        return answer.status, json.loads(answer.read())


def test_peer_builds_prepares_serves_and_stops(tmp_path: Path) -> None:
    peer = load_peer()
    venv = peer.build(tmp_path / "venv")
    assert peer.build(venv) == venv  # the stamp makes the second build a no-op

    database = str(tmp_path / "peer.db")
    recipe = peer.prepare("sqlite", database, venv_dir=venv)
    assert recipe["versions"]["django-helpdesk"] == "2.6.1"
    seeded = peer.seed("sqlite", database, 3, venv_dir=venv)
    assert seeded["tickets"] == 3 and seeded["added"] == 3

    server = peer.start("sqlite", database, free_port(), venv_dir=venv)
    try:
        assert len(server.worker_pids) == 1
        create = recipe["create"]
        status, ticket = call(
            server.url + create["path"], create["method"], recipe["headers"], create["body"]
        )
        assert status == create["status"] == 201
        assert ticket["title"] == create["body"]["title"]
        assert ticket["queue"] == recipe["queue_id"]

        get = recipe["get"]
        for ticket_id in (ticket["id"], seeded["added_ids"][0]):
            status, read = call(
                server.url + get["path"].format(id=ticket_id), get["method"], recipe["headers"]
            )
            assert status == get["status"] == 200
            assert read["id"] == ticket_id
            assert [f["title"] for f in read["followup_set"]] == ["Ticket Opened"]
    finally:
        assert server.stop() == 0
