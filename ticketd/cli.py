"""`ticketd`: serve, migrate and administer workspaces. Every command honours
TICKETD_DATABASE_URL and brings the database to the newest migration first."""

import argparse
import asyncio
import contextlib
import getpass
import json
import logging
import logging.config
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from pydantic import ValidationError

from ticketd.db.database import Database, asyncpg_dsn, database_for, sqlite_path
from ticketd.db.migrate import HEAD_REVISION, current_revision, upgrade
from ticketd.demo import DEMO_STAFF_EMAIL, DEMO_STAFF_ID, Demo, create_demo_workspace
from ticketd.helpdesk import auth
from ticketd.kit import changes
from ticketd.kit.clock import now_ms
from ticketd.kit.errors import TicketdError
from ticketd.kit.validation import MAX_BIGINT
from ticketd.notify import endpoints, outbound, senders
from ticketd.notify import repository as outbox
from ticketd.notify.fanout import Endpoint
from ticketd.notify.model import shown
from ticketd.notify.repository import Delivery, Destination
from ticketd.observe import logs, metrics
from ticketd.people import actors, credentials
from ticketd.people import service as people
from ticketd.people.model import Person
from ticketd.series.config_file import ConfigFile
from ticketd.settings import Settings, get_settings, settings_problems
from ticketd.tickets import queries
from ticketd.tickets.model import (
    FieldValue,
    Message,
    MessageKind,
    Status,
    Thread,
    Ticket,
    TicketDetails,
    TicketNumber,
    TicketQuery,
    TicketRef,
)
from ticketd.workspaces import fields
from ticketd.workspaces import service as workspaces
from ticketd.workspaces.config import (
    FIELD_TYPES,
    PLANS,
    ROLES,
    Category,
    CustomField,
    Department,
    Teammate,
    WorkspaceConfig,
    WorkspaceSettings,
)
from ticketd.workspaces.service import ApiKeyRecord, WorkspaceSummary

T = TypeVar("T")


class CommandError(Exception):
    """A problem the operator can fix; printed without a traceback, exit status 1."""


def with_database(work: Callable[[Database], Awaitable[T]]) -> T:
    async def run() -> T:
        settings = get_settings()
        db = database_for(settings)
        feed = changes.use(settings.redis_url)  # what the command changes, others forget
        await db.connect()
        try:
            return await work(db)
        finally:
            await feed.close()
            await db.close()

    return asyncio.run(run())


def emit(data: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(data))
    else:
        for name, value in data.items():
            print(f"{name}: {value}")


def emit_rows(
    rows: list[dict[str, Any]], as_json: bool, columns: Iterable[str] | None = None
) -> None:
    """JSON: the rows as one array. Text: a header of the JSON keys (`columns`, or
    those of the first row), then one aligned line per row."""
    if as_json:
        print(json.dumps(rows))
        return
    print_table(rows, list(columns or (rows[0] if rows else ())))


def print_table(rows: list[dict[str, Any]], columns: list[str], indent: str = "") -> None:
    if not columns:
        return
    lines = [columns, *([cell(name, row.get(name)) for name in columns] for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(columns))]
    for line in lines:
        print(
            indent + "  ".join(text.ljust(w) for text, w in zip(line, widths, strict=True)).rstrip()
        )


def emit_object(data: dict[str, Any], as_json: bool) -> None:
    """JSON: one object. Text: `name: value` lines; a list of objects as an indented
    table under its name, an object as `key=value` pairs."""
    if as_json:
        print(json.dumps(data))
        return
    for name, value in data.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            print(f"{name}:")
            print_table(value, list(value[0]), indent="  ")
        elif isinstance(value, dict):
            print(f"{name}: " + "  ".join(f"{k}={cell(k, v)}" for k, v in value.items()))
        else:
            print(f"{name}: {cell(name, value)}")


def cell(name: str, value: Any) -> str:
    """A value as text output shows it: times (the `…At` keys, milliseconds) in UTC."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ",".join(cell(name, v) for v in value) or "-"
    if name.endswith("At") and isinstance(value, int):
        return datetime.fromtimestamp(value / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return one_line(str(value))


# Control and bidirectional-override characters: a subject, name or message written by
# anyone could otherwise move the cursor, recolour or reorder the operator's terminal.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def one_line(text: str) -> str:
    return _UNPRINTABLE.sub(" ", text)


def printable_lines(text: str) -> list[str]:
    return [one_line(line) for line in text.splitlines()]


def masked(url: str | None) -> str | None:
    """A Discord webhook URL carries its token in the path: show where it points only."""
    return None if url is None else shown(url)


def client_output(client: auth.NewClient) -> dict[str, Any]:
    return {"refreshToken": client.refresh_token, "clientId": client.client_id, "name": client.name}


def teammate_output(t: Teammate) -> dict[str, Any]:
    return {"id": t.guid, "name": t.name, "email": t.email, "role": t.role, "userId": t.user_id}


def category_output(c: Category) -> dict[str, Any]:
    department = c.departments[0] if c.departments else None
    return {
        "id": c.number,
        "key": c.key,
        "name": c.name,
        "parentId": c.parent_number,
        "department": department,
    }


def field_output(f: CustomField) -> dict[str, Any]:
    return {"id": f.number, "name": f.name, "type": f.type, "options": list(f.options)}


def workspace_output(w: WorkspaceSummary) -> dict[str, Any]:
    return {
        "id": w.id,
        "name": w.name,
        "plan": w.plan,
        "ticketsEnabled": w.tickets_enabled,
        "publicUrl": w.public_url,
        "createdAt": w.created_at,
    }


WORKSPACE_COLUMNS = ("id", "name", "plan", "ticketsEnabled", "publicUrl", "createdAt")


def department_output(d: Department) -> dict[str, Any]:
    return {
        "key": d.key,
        "name": d.name,
        "staff": len(d.members),
        "fromRank": d.from_rank,
        "toRank": d.to_rank,
        "categories": list(d.categories),
        "discordWebhookUrl": masked(d.discord_webhook_url),
    }


def workspace_details(
    summary: WorkspaceSummary, config: WorkspaceConfig, counts: dict[str, int]
) -> dict[str, Any]:
    w = config.workspace
    return workspace_output(summary) | {
        "categories": list(config.categories),
        "departments": [department_output(d) for d in config.departments.values()],
        "members": len(config.members),
        "teammates": len(config.teammates),
        "customFields": len(config.custom_fields),
        "discordWebhook": {
            "enabled": w.discord_webhook_enabled,
            "url": masked(w.discord_webhook_url),
            "ping": w.discord_webhook_ping,
            "events": list(w.discord_events),
            "disabledReason": w.discord_webhook_disabled,
        },
        "ticketsByStatus": {s.value: counts.get(s.value, 0) for s in Status},
    }


def key_output(k: ApiKeyRecord) -> dict[str, Any]:
    return {
        "prefix": k.prefix,
        "name": k.name,
        "createdAt": k.created_at,
        "lastUsedAt": k.last_used_at,
        "revoked": k.revoked_at is not None,
        "revokedAt": k.revoked_at,
    }


def client_record_output(c: auth.ClientRecord) -> dict[str, Any]:
    return {
        "clientId": c.client_id,
        "name": c.name,
        "createdAt": c.created_at,
        "lastUsedAt": c.last_used_at,
        "revoked": c.revoked_at is not None,
        "revokedAt": c.revoked_at,
    }


def category_listing(c: Category) -> dict[str, Any]:
    return category_output(c) | {
        "membershipRequired": c.membership_required,
        "minRank": c.min_rank,
        "maxOpenTickets": c.max_open_tickets,
    }


KEY_COLUMNS = ("prefix", "name", "createdAt", "lastUsedAt", "revoked", "revokedAt")
CLIENT_COLUMNS = ("clientId", "name", "createdAt", "lastUsedAt", "revoked", "revokedAt")
TEAMMATE_COLUMNS = ("id", "name", "email", "role", "userId")
CATEGORY_COLUMNS = ("id", "key", "name", "parentId", "department", "membershipRequired",
                    "minRank", "maxOpenTickets")  # fmt: skip
FIELD_COLUMNS = ("id", "name", "type", "options")


def known_name(
    config: WorkspaceConfig, people: dict[str, Person], guid: str | None, user_id: int | None
) -> str | None:
    person = people.get(guid) if guid else None
    if person is not None:
        return person.name
    if user_id is not None:
        return actors.display_name(config, user_id)
    return guid


def author_name(config: WorkspaceConfig, t: Ticket, people: dict[str, Person]) -> str | None:
    """As the ticket was opened, unless the author is someone the workspace knows."""
    if t.author_guid in people or not (t.author_display_name or t.author_username):
        return known_name(config, people, t.author_guid, t.author_user_id)
    return t.author_display_name or t.author_username


def ticket_output(config: WorkspaceConfig, t: Ticket, details: TicketDetails) -> dict[str, Any]:
    return {
        "id": t.number,
        "code": t.code,
        "objectId": t.object_id,
        "subject": t.subject,
        "status": t.status.value,
        "priority": t.priority,
        "category": t.category_key,
        "department": t.department_key,
        "author": author_name(config, t, details.people),
        "authorUserId": t.author_user_id,
        "authorGuid": t.author_guid,
        "assignee": known_name(config, details.people, t.assignee_guid, t.assignee_user_id),
        "assigneeGuid": t.assignee_guid,
        "source": t.source.value,
        "gameReport": t.game_report,
        "replyCount": t.reply_count,
        "tags": details.tags.get(t.id, []),
        "createdAt": t.created_at,
        "updatedAt": t.updated_at,
        "lastActivityAt": t.last_thread_at,
        "closedAt": t.closed_at,
    }


TICKET_COLUMNS = ("id", "code", "status", "priority", "category", "department", "author",
                  "assignee", "lastActivityAt", "subject")  # fmt: skip
MESSAGE_KINDS = {
    MessageKind.AUTHOR: "author",
    MessageKind.STAFF: "staff",
    MessageKind.SYSTEM: "system",
    MessageKind.NOTE: "note",
}


def message_output(m: Message, thread: Thread, config: WorkspaceConfig) -> dict[str, Any]:
    if m.author_guid == thread.ticket.author_guid:
        author = author_name(config, thread.ticket, thread.people)
    else:
        author = known_name(config, thread.people, m.author_guid, m.author_user_id)
    return {
        "id": m.number,
        "kind": MESSAGE_KINDS[m.kind],
        "author": author,
        "authorUserId": m.author_user_id,
        "authorGuid": m.author_guid,
        "createdAt": m.created_at,
        "updatedAt": m.updated_at,
        "text": m.text,
        "attachments": [{"url": a.url, "name": a.name} for a in m.attachments],
    }


def field_value_output(config: WorkspaceConfig, value: FieldValue) -> dict[str, Any]:
    field = config.custom_fields.get(value.field_id)
    number = field.number if field else None
    return {"id": number, "name": field.name if field else None, "value": value.value}


def ticket_details(
    config: WorkspaceConfig, thread: Thread, details: TicketDetails
) -> dict[str, Any]:
    """Everything staff read of a ticket, except its author's link (`public_token`),
    which lets whoever holds it read and answer the ticket."""
    t = thread.ticket
    fields = [field_value_output(config, f) for f in details.fields.get(t.id, [])]
    return ticket_output(config, t, details) | {
        "sourceName": t.source_name,
        "placeId": t.place_id,
        "serverId": t.server_id,
        "sentiment": t.sentiment,
        "cc": list(t.cc),
        "firstResponseAt": t.first_response_at,
        "firstResolvedAt": t.first_resolved_at,
        "fields": fields,
        "messages": [message_output(m, thread, config) for m in thread.messages],
    }


def print_conversation(messages: list[dict[str, Any]]) -> None:
    print("conversation:")
    for m in messages:
        marker = "INTERNAL NOTE" if m["kind"] == "note" else m["kind"]
        print(f"  --- {cell('createdAt', m['createdAt'])}  {cell('author', m['author'])}"
              f"  ({marker})")  # fmt: skip
        for line in printable_lines(m["text"]):
            print(f"    {line}")
        for a in m["attachments"]:
            print(f"    [attachment] {one_line(a['name'])} {one_line(a['url'])}")


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    from ticketd.app import NO_DELIVERY_VARIABLE, create_app
    from ticketd.serving import GuardedProtocol

    settings = get_settings()
    host = args.host or settings.host
    port = settings.port if args.port is None else args.port
    log_to_stderr()
    for problem in deployment_problems(settings, args.workers):
        if settings.env == "production":
            fail(f"refusing to start in production: {problem}")
        logging.getLogger("ticketd").warning(problem)

    async def first_start(db: Database) -> Demo | None:
        if args.no_demo or settings.env == "production" or await workspaces.any_workspace(db):
            return None
        return await create_demo_workspace(db)

    demo = with_database(first_start)
    if demo:
        print_demo(demo, f"http://{host}:{port}")
    if settings.env == "production" and with_database(workspaces.has_demo_workspace):
        fail("refusing to start in production: the database holds the demo workspace")
    served: dict[str, Any] = {
        "host": host, "port": port, "loop": settings.event_loop,
        "http": GuardedProtocol,  # httptools, with deadlines for slow clients
        "limit_concurrency": settings.max_connections,
        "log_level": settings.log_level, "log_config": logs.logging_config(settings.log_level),
        "access_log": False,  # ticketd writes its own (ticketd/observe)
        "lifespan": "on",
    }  # fmt: skip
    if args.workers == 1:
        uvicorn.run(create_app(settings, deliver=not args.no_worker, serving=True), **served)
        return
    # Each worker process builds its own app from the settings (and this flag).
    os.environ[NO_DELIVERY_VARIABLE] = "1" if args.no_worker else ""
    metrics.forget_earlier_processes()
    uvicorn.run("ticketd.app:served_app", factory=True, workers=args.workers, **served)


def deployment_problems(settings: Settings, workers: int) -> list[str]:
    """What is unsafe to run in production (refused there, warned about elsewhere)."""
    problems = []
    sqlite = settings.database_url.startswith("sqlite")
    if settings.env == "production" and settings.secret_key is None:
        problems.append("TICKETD_SECRET_KEY is unset (tokens would be signed with a key "
                        "kept in the database)")  # fmt: skip
    if sqlite and workers > 1:
        problems.append(f"--workers {workers} on SQLite: one writer at a time; use PostgreSQL")
    if workers > 1 and settings.redis_url is None:
        problems.append(f"--workers {workers} without TICKETD_REDIS_URL: each process limits "
                        "API keys on its own (one key gets N times its limit) and sees "
                        "changes from the others only after TICKETD_CACHE_TTL_SECONDS")  # fmt: skip
    return problems


def cmd_worker(args: argparse.Namespace) -> None:
    """Delivers until SIGINT or SIGTERM, then lets sends in flight finish."""

    async def work(db: Database) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signal_number, stop.set)
        async with senders.delivering(db, get_settings()):
            print("ticketd worker: delivering (stop with Ctrl-C)", flush=True)
            await stop.wait()

    log_to_stderr()
    with_database(work)


def log_to_stderr() -> None:
    """JSON lines for ticketd's and uvicorn's loggers at TICKETD_LOG_LEVEL."""
    logging.config.dictConfig(logs.logging_config(get_settings().log_level))


def print_demo(demo: Demo, base: str) -> None:
    print(f"Created demo workspace {demo.workspace_id}")
    print(f"Demo API key (shown once): {demo.api_key}")
    print("Try:")
    print(
        f"  curl -X POST {base}/tickets/create -H 'apikey: {demo.api_key}'"
        ' -H \'Content-Type: application/json\' -d \'{"subject": "Help with ranking",'
        ' "category": "support", "message": "I need help getting ranked",'
        ' "authorUserId": 123456789, "authorAvatarUrl": "https://tr.rbxcdn.com/avatar-url"}\''
    )
    print(
        f"Demo helpdesk client (shown once): client_id={demo.client_id}"
        f" refresh_token={demo.refresh_token}"
    )
    print("Get a helpdesk access token:")
    print(
        f"  curl -X POST {base}/helpdesk/token -d grant_type=refresh_token"
        f" -d refresh_token={demo.refresh_token} -d client_id={demo.client_id}"
    )
    print(f"Staff dashboard: {base}/staff/login?workspace={demo.workspace_id}")
    print(
        f"  sign in as {DEMO_STAFF_ID} (or {DEMO_STAFF_EMAIL}) with the password"
        f" {demo.staff_password} (shown once; `ticketd staff set-password` changes it)",
        flush=True,
    )


def cmd_migrate(args: argparse.Namespace) -> None:
    print("Database is at the newest migration.")


def cmd_backup(args: argparse.Namespace) -> None:
    """A consistent copy of the whole database, taken while servers run: SQLite's
    VACUUM INTO (one read transaction; the copy is checked), PostgreSQL's pg_dump."""
    target = Path(args.path)
    if target.exists():
        raise CommandError(f"{target} exists: back up to a new file")
    url = get_settings().database_url
    if url.startswith("sqlite"):

        async def copy(db: Database) -> None:
            async with db.connection() as conn:
                await conn.execute("VACUUM INTO $1", str(target))

        with_database(copy)
        _check_sqlite_file(target)
    else:
        _run_pg_tool("pg_dump", "--format=custom", f"--file={target}", asyncpg_dsn(url))
    print(f"Backed up to {target} ({target.stat().st_size:,} bytes).")


def cmd_restore(args: argparse.Namespace) -> None:
    """A backup into an empty database (the one TICKETD_DATABASE_URL names); the next
    command migrates it if it came from older code."""
    source = Path(args.path)
    if not source.is_file():
        raise CommandError(f"{source} is not a file")
    url = get_settings().database_url
    if url.startswith("sqlite"):
        target = Path(sqlite_path(url))
        if target.exists():
            raise CommandError(f"{target} exists: restore into a new database file")
        _check_sqlite_file(source)
        shutil.copyfile(source, target)
    else:
        if with_database(_table_count):
            raise CommandError("the database is not empty: restore into a new database")
        _run_pg_tool("pg_restore", "--no-owner", "--exit-on-error",
                     f"--dbname={asyncpg_dsn(url)}", str(source))  # fmt: skip
    print(f"Restored {source}.")


async def _table_count(db: Database) -> int:
    async with db.connection() as conn:
        count = await conn.fetchval(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'"
        )
    return int(count)


def _check_sqlite_file(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
    if verdict != "ok":
        raise CommandError(f"{path} fails SQLite's integrity check: {verdict}")


def _run_pg_tool(program: str, *args: str) -> None:
    found = shutil.which(program)
    if found is None:
        raise CommandError(f"{program} is missing: install PostgreSQL's client programs")
    done = subprocess.run([found, *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:  # its first line only: the rest may repeat the URL
        raise CommandError(f"{program} failed: {(done.stderr or '?').splitlines()[0]}")


def cmd_workspace_create(args: argparse.Namespace) -> None:
    async def work(db: Database) -> dict[str, Any]:
        workspace_id = await workspaces.create_workspace(
            db, name=args.name, plan=args.plan, actor=actors.SYSTEM
        )
        api_key, _ = await workspaces.create_api_key(
            db, workspace_id=workspace_id, actor=actors.SYSTEM
        )
        return {"id": workspace_id, "name": args.name, "plan": args.plan, "apiKey": api_key}

    emit(with_database(work), args.json)


def cmd_workspace_set(args: argparse.Namespace) -> None:
    async def work(db: Database) -> None:
        await workspaces.set_workspace(
            db,
            None,
            workspace_id=args.id,
            plan=args.plan,
            tickets_enabled=args.tickets_enabled,
            actor=actors.SYSTEM,
        )

    with_database(work)
    print(f"Updated workspace {args.id}")


def read_config_file(path: str) -> WorkspaceSettings:
    """The Series configuration file, the format `GET /tickets/config` shows."""
    try:
        raw = Path(path).read_bytes()
        return ConfigFile.model_validate_json(raw).to_settings()
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror}") from None
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'file'}: {e['msg']}"
            for e in error.errors(include_url=False)
        )
        raise CommandError(f"{path} is not a valid configuration: {problems}") from None


def cmd_workspace_configure(args: argparse.Namespace) -> None:
    config = read_config_file(args.file)
    allow = outbound.AllowList.parse(get_settings().outbound_allow_hosts)
    urls = [config.discord_webhook_url, *(d.discord_webhook_url for d in config.departments)]
    for url in urls:
        problem = isinstance(url, str) and outbound.url_problem(url, allow)
        if problem:
            raise CommandError(f"{args.file}: Discord webhook URL refused: {problem}")

    async def work(db: Database) -> None:
        await workspaces.apply_config(
            db, None, workspace_id=args.id, config=config, actor=actors.SYSTEM
        )

    with_database(work)
    print(f"Applied configuration to workspace {args.id}")


def cmd_workspace_list(args: argparse.Namespace) -> None:
    found = with_database(lambda db: workspaces.list_workspaces(db, actor=actors.SYSTEM))
    emit_rows([workspace_output(w) for w in found], args.json, WORKSPACE_COLUMNS)


def cmd_workspace_show(args: argparse.Namespace) -> None:
    async def work(db: Database) -> dict[str, Any]:
        summary = await workspaces.find_workspace(db, actor=actors.SYSTEM, workspace_id=args.id)
        config = await workspaces.workspace_config(db, args.id)
        counts = await queries.counts_by_status(db, config, TicketQuery())
        return workspace_details(summary, config, counts)

    emit_object(with_database(work), args.json)


def cmd_key_create(args: argparse.Namespace) -> None:
    async def work(db: Database) -> dict[str, Any]:
        api_key, prefix = await workspaces.create_api_key(
            db, workspace_id=args.id, name=args.name, actor=actors.SYSTEM
        )
        return {"apiKey": api_key, "prefix": prefix}

    emit(with_database(work), args.json)


def cmd_key_revoke(args: argparse.Namespace) -> None:
    async def work(db: Database) -> bool:
        return await workspaces.revoke_api_key(db, None, prefix=args.prefix, actor=actors.SYSTEM)

    if not with_database(work):
        raise CommandError(f"no active API key with prefix {args.prefix}")
    print(f"Revoked API key {args.prefix}")


def cmd_key_list(args: argparse.Namespace) -> None:
    found = with_database(
        lambda db: workspaces.list_api_keys(db, actor=actors.SYSTEM, workspace_id=args.id)
    )
    emit_rows([key_output(k) for k in found], args.json, KEY_COLUMNS)


def cmd_token_create(args: argparse.Namespace) -> None:
    async def work(db: Database) -> dict[str, Any]:
        return client_output(await auth.create_client(db, workspace_id=args.id, name=args.name))

    emit(with_database(work), args.json)


def cmd_token_revoke(args: argparse.Namespace) -> None:
    async def work(db: Database) -> bool:
        return await auth.revoke_client(db, client_id=args.client_id)

    if not with_database(work):
        raise CommandError(f"no active helpdesk client {args.client_id}")
    emit({"revoked": args.client_id}, args.json)


def cmd_token_list(args: argparse.Namespace) -> None:
    found = with_database(lambda db: auth.list_clients(db, workspace_id=args.id))
    emit_rows([client_record_output(c) for c in found], args.json, CLIENT_COLUMNS)


def cmd_teammate_list(args: argparse.Namespace) -> None:
    config = with_database(lambda db: workspaces.workspace_config(db, args.id))
    rows = [teammate_output(t) for t in config.teammates.values()]
    emit_rows(rows, args.json, TEAMMATE_COLUMNS)


def cmd_category_list(args: argparse.Namespace) -> None:
    config = with_database(lambda db: workspaces.workspace_config(db, args.id))
    rows = [category_listing(c) for c in config.categories.values()]
    emit_rows(rows, args.json, CATEGORY_COLUMNS)


def cmd_field_list(args: argparse.Namespace) -> None:
    config = with_database(lambda db: workspaces.workspace_config(db, args.id))
    emit_rows([field_output(f) for f in config.custom_fields.values()], args.json, FIELD_COLUMNS)


def cmd_teammate_add(args: argparse.Namespace) -> None:
    async def work(db: Database) -> dict[str, Any]:
        teammate = await people.add_teammate(
            db,
            None,
            workspace_id=args.id,
            name=args.name,
            email=args.email,
            role=args.role,
            user_id=args.user_id,
            actor=actors.SYSTEM,
        )
        return teammate_output(teammate)

    emit(with_database(work), args.json)


def cmd_category_add(args: argparse.Namespace) -> None:
    async def work(db: Database) -> dict[str, Any]:
        category = await workspaces.add_category(
            db,
            None,
            workspace_id=args.id,
            name=args.name,
            key=args.key,
            parent_number=args.parent,
            department=args.department,
            actor=actors.SYSTEM,
        )
        return category_output(category)

    emit(with_database(work), args.json)


def cmd_field_add(args: argparse.Namespace) -> None:
    async def work(db: Database) -> dict[str, Any]:
        field = await fields.add_field(
            db,
            None,
            workspace_id=args.id,
            name=args.name,
            field_type=args.type,
            options=args.option,
            actor=actors.SYSTEM,
        )
        return field_output(field)

    emit(with_database(work), args.json)


MAX_TICKETS_LISTED = 1000


def ticket_query(args: argparse.Namespace) -> TicketQuery:
    if not 1 <= args.limit <= MAX_TICKETS_LISTED:
        raise CommandError(f"--limit must be 1 to {MAX_TICKETS_LISTED}")
    if args.author is not None and not 1 <= args.author <= MAX_BIGINT:
        raise CommandError("--author must be a Roblox user id (a positive integer)")
    return TicketQuery(
        statuses=tuple(Status(s) for s in args.status or ()),
        department=args.department,
        category=args.category,
        author_user_id=args.author,
        text=args.search,
        text_in_messages=True,  # as the dashboard's queue searches
        limit=args.limit,
        with_details=True,
    )


def cmd_ticket_list(args: argparse.Namespace) -> None:
    query = ticket_query(args)

    async def work(db: Database) -> list[dict[str, Any]]:
        config = await workspaces.workspace_config(db, args.id)
        page = await queries.find_tickets(db, config, query)  # no visible_to: every ticket
        return [ticket_output(config, t, page.details) for t in page.tickets]

    emit_rows(with_database(work), args.json, TICKET_COLUMNS)


def ticket_ref(text: str) -> TicketRef:
    """A ticket's number in the workspace (the helpdesk's integer id), or its code or
    object id as given."""
    if text.isascii() and text.isdigit() and int(text) <= MAX_BIGINT:
        return TicketNumber(int(text))
    return text


def cmd_ticket_show(args: argparse.Namespace) -> None:
    async def work(db: Database) -> dict[str, Any]:
        config = await workspaces.workspace_config(db, args.id)
        found = await queries.staff_view(db, config, ticket_ref(args.ticket), actors.SYSTEM)
        if found is None:
            raise CommandError(f"no ticket {args.ticket} in workspace {args.id}")
        return ticket_details(config, *found)

    data = with_database(work)
    if args.json:
        emit_object(data, as_json=True)
        return
    messages = data.pop("messages")
    emit_object(data, as_json=False)
    print_conversation(messages)


def account_output(a: credentials.StaffAccount) -> dict[str, Any]:
    return {
        "id": a.guid,
        "name": a.name,
        "email": a.email,
        "userId": a.user_id,
        "role": a.role,
        "departments": list(a.departments),
        "hasPassword": a.has_password,
    }


def read_new_password(from_stdin: bool) -> str:
    """From standard input (one line), or asked twice without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Again: ") != first:
        raise CommandError("the two passwords differ; nothing was changed")
    return first


def cmd_staff_set_password(args: argparse.Namespace) -> None:
    password = read_new_password(args.password_stdin)

    async def work(db: Database) -> credentials.StaffAccount:
        return await credentials.set_password(
            db, actor=actors.SYSTEM, workspace_id=args.id, password=password,
            user_id=args.user_id, email=args.email,
        )  # fmt: skip

    account = with_database(work)
    print(f"Password set for {account.name} ({account.role})")


STAFF_COLUMNS = ("id", "name", "email", "userId", "role", "departments", "hasPassword")


def cmd_staff_list(args: argparse.Namespace) -> None:
    found = with_database(lambda db: credentials.accounts(db, args.id))
    emit_rows([account_output(a) for a in found], args.json, STAFF_COLUMNS)


def endpoint_output(e: Endpoint) -> dict[str, Any]:
    return {
        "id": e.id,
        "workspaceId": e.workspace_id,
        "url": e.url,
        "format": e.format,
        "events": list(e.event_types) or "all",
    }


def cmd_webhook_add(args: argparse.Namespace) -> None:
    async def work(db: Database) -> dict[str, Any]:
        endpoint = await endpoints.add(
            db, get_settings(), workspace_id=args.id, url=args.url, format=args.format,
            event_types=tuple(args.event or ()), verify_token=args.verify_token,
        )  # fmt: skip
        shown = {"id": endpoint.id, "url": endpoint.url, "format": endpoint.format}
        return shown | {"secret": endpoint.secret}

    emit(with_database(work), args.json)


WEBHOOK_COLUMNS = ("id", "workspaceId", "url", "format", "events")


def cmd_webhook_list(args: argparse.Namespace) -> None:
    found = with_database(lambda db: endpoints.list_all(db, args.id))
    emit_rows([endpoint_output(e) for e in found], args.json, WEBHOOK_COLUMNS)


def cmd_webhook_remove(args: argparse.Namespace) -> None:
    with_database(lambda db: endpoints.remove(db, args.endpoint_id))
    print(f"Removed webhook endpoint {args.endpoint_id}")


def cmd_webhook_rotate(args: argparse.Namespace) -> None:
    secret = with_database(lambda db: endpoints.rotate_secret(db, args.endpoint_id))
    emit({"id": args.endpoint_id, "secret": secret}, args.json)


def cmd_webhook_test(args: argparse.Namespace) -> None:
    outcome = with_database(lambda db: endpoints.ping(db, get_settings(), args.endpoint_id))
    emit(
        {
            "delivered": outcome.delivered,
            "status": outcome.status,
            "response": outcome.response,
            "error": outcome.error,
        },
        args.json,
    )
    if not outcome.delivered:
        sys.exit(1)


def delivery_output(d: Delivery) -> dict[str, Any]:
    return {
        "id": d.id,
        "eventId": d.event_id,
        "workspaceId": d.workspace_id,
        "channel": d.channel,
        "destination": shown(d.destination),
        "state": d.state,
        "attempts": d.attempts,
        "nextAttemptAt": d.next_attempt_at if d.state == "pending" else None,
        "lastStatus": d.last_status,
        "lastError": d.last_error,
        "lastResponse": d.last_response,
        "createdAt": d.created_at,
        "finishedAt": d.finished_at,
    }


def cmd_deliveries_list(args: argparse.Namespace) -> None:
    async def work(db: Database) -> list[Delivery]:
        async with db.connection() as conn:
            return await outbox.list_deliveries(
                conn, failed_only=args.failed, workspace_id=args.workspace, limit=args.limit
            )

    emit_rows([delivery_output(d) for d in with_database(work)], args.json)


def cmd_deliveries_retry(args: argparse.Namespace) -> None:
    if (args.id is None) == (not args.all_failed):
        raise CommandError("give one delivery ID or --all-failed")

    async def work(db: Database) -> int:
        async with db.transaction() as conn:
            ids = None if args.all_failed else [args.id]
            return await outbox.requeue(conn, ids, now_ms())

    count = with_database(work)
    if not count and not args.all_failed:
        raise CommandError(f"delivery {args.id} is not a failed delivery")
    print(f"Queued {count} failed deliveries again")


def cmd_deliveries_destinations(args: argparse.Namespace) -> None:
    async def work(db: Database) -> list[Destination]:
        async with db.connection() as conn:
            return await outbox.list_destinations(conn)

    rows = [
        {
            "channel": d.channel,
            "destination": shown(d.destination),
            "pending": d.pending,
            "failures": d.failures,
            "nextAttemptAt": d.next_attempt_at if d.pending else None,
            "disabledReason": d.disabled_reason,
        }
        for d in with_database(work)
        if d.pending or d.failures or d.disabled_reason or not args.troubled
    ]
    emit_rows(rows, args.json)


def _add_staff_commands(commands: Any) -> None:
    staff = _group(commands, "staff", "dashboard sign-in for staff and teammates")
    password = staff.add_parser("set-password", help="set a staff member's dashboard password")
    password.add_argument("id", help="workspace id")
    who = password.add_mutually_exclusive_group(required=True)
    who.add_argument("--user-id", type=int, help="a Series staff member's Roblox user id")
    who.add_argument("--email", help="a helpdesk teammate's e-mail")
    password.add_argument("--password-stdin", action="store_true",
                          help="read the password from standard input")  # fmt: skip
    password.set_defaults(run=cmd_staff_set_password)
    _add_list(staff, "who works the workspace, and who has a password", cmd_staff_list)


def _add_delivery_commands(commands: Any) -> None:
    webhook = _group(commands, "webhook", "manage integrators' signed webhook endpoints")
    add = webhook.add_parser("add", help="add an endpoint; prints its signing secret once")
    add.add_argument("id", help="workspace id")
    add.add_argument("--url", required=True)
    add.add_argument("--format", choices=("series", "socialboards"), default="series")
    add.add_argument("--event", action="append", help="an event type to send (repeat; default all)")
    add.add_argument("--verify-token", help="socialboards: the token the handshake sends")
    add.add_argument("--json", action="store_true")
    add.set_defaults(run=cmd_webhook_add)
    _add_list(webhook, "list a workspace's endpoints", cmd_webhook_list)
    for name, run, help in (
        ("remove", cmd_webhook_remove, "remove an endpoint"),
        ("test", cmd_webhook_test, "send a signed ping and print the answer"),
        ("rotate-secret", cmd_webhook_rotate, "replace the signing secret; prints it once"),
    ):
        command = webhook.add_parser(name, help=help)
        command.add_argument("endpoint_id")
        command.add_argument("--json", action="store_true")
        command.set_defaults(run=run)

    deliveries = _group(commands, "deliveries", "inspect and retry notification deliveries")
    listing = deliveries.add_parser("list", help="newest deliveries first")
    listing.add_argument("--failed", action="store_true", help="only failed ones")
    listing.add_argument("--workspace", help="only this workspace's")
    listing.add_argument("--limit", type=int, default=100)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=cmd_deliveries_list)
    retry = deliveries.add_parser("retry", help="queue failed deliveries again")
    retry.add_argument("id", type=int, nargs="?", help="a delivery id")
    retry.add_argument("--all-failed", action="store_true")
    retry.set_defaults(run=cmd_deliveries_retry)
    places = deliveries.add_parser("destinations", help="destinations, backlog and disabled ones")
    places.add_argument("--troubled", action="store_true", help="only backlogged or disabled")
    places.add_argument("--json", action="store_true")
    places.set_defaults(run=cmd_deliveries_destinations)


def _group(commands: Any, name: str, help: str) -> Any:
    return commands.add_parser(name, help=help).add_subparsers(dest="action", required=True)


def _add_list(group: Any, help: str, run: Callable[[argparse.Namespace], None]) -> Any:
    """`list WORKSPACE_ID [--json]`."""
    listing = group.add_parser("list", help=help)
    listing.add_argument("id", help="workspace id")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=run)
    return listing


def _add_ticket_commands(commands: Any) -> None:
    ticket = _group(commands, "ticket", "read tickets (as ticketd itself: every ticket)")
    listing = _add_list(ticket, "tickets, latest activity first", cmd_ticket_list)
    listing.add_argument("--status", action="append", choices=[s.value for s in Status],
                         help="only this status (repeat for several)")  # fmt: skip
    listing.add_argument("--department", help="only this department (key)")
    listing.add_argument("--category", help="only this category (key)")
    listing.add_argument("--author", type=int, help="only this author's (Roblox user id)")
    listing.add_argument("--search", help="text in the subject, the author's names or a message")
    listing.add_argument("--limit", type=int, default=50, help="at most this many (1-1000)")
    show = ticket.add_parser("show", help="one ticket: facts, tags, fields and conversation")
    show.add_argument("id", help="workspace id")
    show.add_argument("ticket", help="integer id, TICKET-… code or 24-hex object id")
    show.add_argument("--json", action="store_true")
    show.set_defaults(run=cmd_ticket_show)


def _add_helpdesk_commands(commands: Any) -> None:
    token = _group(commands, "token", "manage helpdesk API clients (refresh tokens)")
    _add_list(token, "a workspace's clients, revoked ones too", cmd_token_list)
    create = token.add_parser("create", help="create a client; prints its refresh token once")
    create.add_argument("id", help="workspace id")
    create.add_argument("--name", required=True)
    create.add_argument("--json", action="store_true")
    create.set_defaults(run=cmd_token_create)
    revoke = token.add_parser("revoke", help="revoke a client and all its access tokens")
    revoke.add_argument("client_id")
    revoke.add_argument("--json", action="store_true")
    revoke.set_defaults(run=cmd_token_revoke)

    teammate = _group(commands, "teammate", "manage helpdesk teammates")
    _add_list(teammate, "a workspace's teammates", cmd_teammate_list)
    add = teammate.add_parser("add", help="add a teammate (or give a person a role)")
    add.add_argument("id", help="workspace id")
    add.add_argument("--name", required=True)
    add.add_argument("--email", required=True)
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--user-id", type=int, help="Roblox user id: the same person in Series")
    add.add_argument("--json", action="store_true")
    add.set_defaults(run=cmd_teammate_add)

    category = _group(commands, "category", "manage ticket categories")
    _add_list(category, "a workspace's categories, in order", cmd_category_list)
    add = category.add_parser("add", help="add one category")
    add.add_argument("id", help="workspace id")
    add.add_argument("--name", required=True)
    add.add_argument("--key", help="the Series category id (default: from the name)")
    add.add_argument("--parent", type=int, help="integer id (number) of the parent category")
    add.add_argument("--department", help="department id (key) that handles it")
    add.add_argument("--json", action="store_true")
    add.set_defaults(run=cmd_category_add)

    field = _group(commands, "field", "manage custom fields")
    _add_list(field, "a workspace's custom fields", cmd_field_list)
    add = field.add_parser("add", help="add a custom field")
    add.add_argument("id", help="workspace id")
    add.add_argument("--name", required=True)
    add.add_argument("--type", choices=FIELD_TYPES, required=True)
    add.add_argument("--option", action="append", help="a dropdown value (repeat)")
    add.add_argument("--json", action="store_true")
    add.set_defaults(run=cmd_field_add)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="ticketd", description=__doc__)
    root.add_argument("--version", action="version", version=f"ticketd {version('ticketd')}")
    commands = root.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the HTTP service")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--no-demo", action="store_true", help="do not create a demo workspace")
    serve.add_argument(
        "--no-worker", action="store_true", help="do not deliver notifications in this process"
    )
    serve.add_argument("--workers", type=int, default=1, choices=range(1, 65), metavar="N",
                       help="HTTP processes (1-64; several need PostgreSQL and Redis)")  # fmt: skip
    serve.set_defaults(run=cmd_serve)
    worker = commands.add_parser("worker", help="deliver notifications (no HTTP service)")
    worker.set_defaults(run=cmd_worker)

    commands.add_parser("migrate", help="apply database migrations").set_defaults(run=cmd_migrate)
    backup = commands.add_parser("backup", help="a consistent copy of the database, online")
    backup.add_argument("path", help="a new file")
    backup.set_defaults(run=cmd_backup)
    restore = commands.add_parser("restore", help="a backup into an empty database")
    restore.add_argument("path")
    restore.set_defaults(run=cmd_restore, migrate_first=False)

    workspace = commands.add_parser("workspace", help="manage workspaces").add_subparsers(
        dest="action", required=True
    )
    create = workspace.add_parser("create", help="create a workspace and its first API key")
    create.add_argument("--name", required=True)
    create.add_argument("--plan", choices=PLANS, default="premium")
    create.add_argument("--json", action="store_true")
    create.set_defaults(run=cmd_workspace_create)

    update = workspace.add_parser("set", help="change plan or tickets module")
    update.add_argument("id")
    update.add_argument("--plan", choices=PLANS)
    toggle = update.add_mutually_exclusive_group()
    toggle.add_argument(
        "--tickets-enabled", dest="tickets_enabled", action="store_true", default=None
    )
    toggle.add_argument("--tickets-disabled", dest="tickets_enabled", action="store_false")
    update.set_defaults(run=cmd_workspace_set)

    configure = workspace.add_parser("configure", help="replace the ticket configuration")
    configure.add_argument("id")
    configure.add_argument("--file", required=True)
    configure.set_defaults(run=cmd_workspace_configure)
    listing = workspace.add_parser("list", help="every workspace, oldest first")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=cmd_workspace_list)
    show = workspace.add_parser("show", help="a workspace and a summary of its configuration")
    show.add_argument("id")
    show.add_argument("--json", action="store_true")
    show.set_defaults(run=cmd_workspace_show)

    key = commands.add_parser("key", help="manage API keys").add_subparsers(
        dest="action", required=True
    )
    key_create = key.add_parser("create", help="create an API key")
    key_create.add_argument("id", help="workspace id")
    key_create.add_argument("--name", default="default")
    key_create.add_argument("--json", action="store_true")
    key_create.set_defaults(run=cmd_key_create)
    revoke = key.add_parser("revoke", help="revoke an API key by its prefix")
    revoke.add_argument("prefix")
    revoke.set_defaults(run=cmd_key_revoke)
    _add_list(key, "a workspace's keys, revoked ones too (never the keys)", cmd_key_list)
    _add_helpdesk_commands(commands)
    _add_delivery_commands(commands)
    _add_staff_commands(commands)
    _add_ticket_commands(commands)
    return root


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    try:
        url = get_settings().database_url
    except ValidationError as error:
        fail("invalid setting: " + "; ".join(settings_problems(error)))
    try:
        if (
            getattr(args, "migrate_first", True)
            and with_database(current_revision) != HEAD_REVISION
        ):
            upgrade(url)
    except Exception as error:  # any driver or filesystem failure: say it in one line
        # First line only, and no URL: it may carry a password.
        fail(f"cannot migrate the database: {str(error).splitlines()[0]}")
    try:
        args.run(args)
    except CommandError as error:
        fail(str(error))
    except TicketdError as error:
        fail(error.message)


def fail(message: str) -> NoReturn:
    print(f"ticketd: {message}", file=sys.stderr)
    sys.exit(1)


if __name__ == "__main__":
    main()
