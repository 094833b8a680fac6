"""The Django side of peer.py, run with the peer venv's python from bench/peer:

    python -m peerdesk.tasks prepare [--reset]  migrate; API user, token, queue; the recipe
    python -m peerdesk.tasks seed COUNT     add COUNT tickets (each with its opening follow-up)

The database is the one settings.py reads from PEER_DB_ENGINE / PEER_DB. Both print one JSON
object on stdout.
"""

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerdesk.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Max, Min  # noqa: E402
from helpdesk.models import FollowUp, Queue, Ticket  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

USERNAME = "bench"
# A fixed key, so the header is the same in every database the harness prepares.
TOKEN = "0123456789abcdef0123456789abcdefbe9c4ee1"
QUEUE_SLUG = "bench"


def create_body(queue_id: int) -> dict:
    """The create request: the same ticket as ticketd's helpdesk benchmark body."""
    return {
        "queue": queue_id,
        "title": "New car price list.",
        "description": "How can I get a price list?",
        "submitter_email": "bill_smith@gmail.com",
        "priority": 3,
    }


def ensure_database(reset: bool) -> None:
    """SQLite: with reset, remove the file (and its -wal, -shm). PostgreSQL: with reset, drop
    the database; create it when it does not exist, connected to the `postgres` database."""
    db = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        if reset:
            for suffix in ("", "-wal", "-shm"):
                Path(str(db["NAME"]) + suffix).unlink(missing_ok=True)
        return
    import psycopg
    from psycopg import sql

    params = {"host": db["HOST"], "port": db["PORT"], "user": db["USER"]}
    if db["PASSWORD"]:
        params["password"] = db["PASSWORD"]
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        name = sql.Identifier(db["NAME"])
        if reset:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
        if found.fetchone() is None:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(name))


def prepare(reset: bool = False) -> dict:
    ensure_database(reset)
    call_command("migrate", interactive=False, verbosity=0)
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=USERNAME,
        defaults={"email": "bench@example.com", "is_staff": True, "is_superuser": True},
    )
    if created:
        user.set_unusable_password()
        user.save()
    Token.objects.get_or_create(user=user, defaults={"key": TOKEN})
    token = Token.objects.get(user=user).key
    queue, _ = Queue.objects.get_or_create(
        slug=QUEUE_SLUG,
        defaults={"title": "Bench", "email_address": "bench-queue@example.com"},
    )
    return recipe(queue.id, token)


def recipe(queue_id: int, token: str) -> dict:
    ids = Ticket.objects.aggregate(first=Min("id"), last=Max("id"))
    return {
        "peer": "django-helpdesk",
        "versions": versions(),
        "engine": connection.vendor,
        "health_path": "/healthz",
        "base_path": "/api/",
        "headers": {"Authorization": f"Token {token}", "Content-Type": "application/json"},
        "queue_id": queue_id,
        "create": {
            "method": "POST",
            "path": "/api/tickets/",
            "body": create_body(queue_id),
            "status": 201,
        },
        "get": {"method": "GET", "path": "/api/tickets/{id}/", "status": 200},
        "tickets": Ticket.objects.count(),
        "ticket_ids": [ids["first"], ids["last"]],
    }


def versions() -> dict:
    from importlib.metadata import version

    return {
        name: version(name)
        for name in ("django-helpdesk", "Django", "djangorestframework", "gunicorn", "psycopg")
    }


def seed(count: int, batch: int = 1000) -> dict:
    """COUNT tickets in the bench queue, each with the "Ticket Opened" follow-up a create
    through the API also writes, by bulk insert (no e-mail, no per-row save)."""
    queue = Queue.objects.get(slug=QUEUE_SLUG)
    user = get_user_model().objects.get(username=USERNAME)
    body = create_body(queue.id)
    added: list[int] = []
    while len(added) < count:
        n = min(batch, count - len(added))
        now = datetime.now(UTC)
        with transaction.atomic():
            tickets = Ticket.objects.bulk_create(
                Ticket(
                    title=body["title"],
                    description=body["description"],
                    submitter_email=body["submitter_email"],
                    priority=body["priority"],
                    queue=queue,
                    status=Ticket.OPEN_STATUS,
                    created=now,
                )
                for _ in range(n)
            )
            FollowUp.objects.bulk_create(
                FollowUp(
                    ticket=t,
                    title="Ticket Opened",
                    date=now,
                    public=True,
                    comment=body["description"],
                    user=user,
                    email_recipients=[body["submitter_email"]],
                )
                for t in tickets
            )
        added.extend(t.id for t in tickets)
    token = Token.objects.get(user=user).key
    result = recipe(queue.id, token)
    result["added"] = len(added)
    result["added_ids"] = [added[0], added[-1]] if added else []
    return result


def main(argv: list[str]) -> int:
    if argv[:1] == ["prepare"] and argv[1:] in ([], ["--reset"]):
        out = prepare(reset=argv[1:] == ["--reset"])
    elif argv[:1] == ["seed"] and len(argv) == 2:
        out = seed(int(argv[1]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
