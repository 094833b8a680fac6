"""Fill a migrated ticketd database with realistic tickets, messages and events, fast.

    .venv/bin/python -m bench.load --database-url sqlite:///big.db --count 1000000
    .venv/bin/python -m bench.load --database-url postgresql://postgres@127.0.0.1/big \
        --count 1000000 [--workspace ID] [--seed 1] [--batch 10000] [--migrate]

Without --workspace a new one is made and configured through ticketd's own services
(departments, categories, member-only ones among them, members, teammates, custom fields);
its id and a Series API key are printed. Times, sizes and the two search words (one in
~0.01% of tickets, one in ~25%) are printed at the end, and returned by `load()`.

The load expects the database to itself: indexes and search triggers are set aside
while it runs (bench/load_sqlite.py, bench/load_postgres.py)."""

import argparse
import asyncio
import dataclasses
import json
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.load_authors import authors_for, contact_rows, make_authors
from bench.load_life import Rows
from bench.load_postgres import PostgresWriter
from bench.load_sqlite import SqliteWriter
from bench.load_text import COMMON_WORD, RARE_WORD, Vocabulary, check_markers
from bench.load_tickets import TicketMaker
from bench.load_workspace import TAGS, Cast, create_workspace
from ticketd.db.database import Database, open_database
from ticketd.db.migrate import upgrade
from ticketd.kit.clock import now_ms
from ticketd.tickets.labels import tag_key
from ticketd.workspaces import service as workspaces
from ticketd.workspaces.config import WorkspaceConfig

# Counters the database keeps by triggers, rebuilt for the whole workspace: the loader
# writes with some triggers set aside (PostgreSQL: replica mode sets aside all of them).
# open_ticket_counts as workspaces.repository._recount_open_tickets rebuilds it;
# ticket_counts and tag_counts as migrations 0009 and 0014 first filled them;
# workspace_numbers as 0012 did.
RECOUNT = [
    "DELETE FROM open_ticket_counts WHERE workspace_id = $1",
    "INSERT INTO open_ticket_counts (workspace_id, category_key, author_guid, open_count)"
    " SELECT t.workspace_id, t.category_key, t.author_guid, COUNT(*) FROM tickets t"
    " JOIN categories c ON c.workspace_id = t.workspace_id AND c.key = t.category_key"
    " WHERE t.workspace_id = $1 AND c.max_open_tickets > 0"
    " AND t.status IN ('open', 'in-progress')"
    " GROUP BY t.workspace_id, t.category_key, t.author_guid",
    "INSERT INTO workspace_numbers (workspace_id, tickets, messages) SELECT w.id,"
    " (SELECT COALESCE(MAX(number), 0) FROM tickets t WHERE t.workspace_id = w.id),"
    " (SELECT COALESCE(MAX(number), 0) FROM messages m WHERE m.workspace_id = w.id)"
    " FROM workspaces w WHERE w.id = $1 ON CONFLICT (workspace_id) DO UPDATE"
    " SET tickets = excluded.tickets, messages = excluded.messages",
    "DELETE FROM ticket_counts WHERE workspace_id = $1",
    "INSERT INTO ticket_counts (workspace_id, department_key, status, slot, n)"
    " SELECT workspace_id, coalesce(department_key, ''), status, 0, COUNT(*) FROM tickets"
    " WHERE workspace_id = $1 GROUP BY workspace_id, coalesce(department_key, ''), status",
    "DELETE FROM tag_counts WHERE workspace_id = $1",
    "INSERT INTO tag_counts (workspace_id, tag_id, department_key, status, slot, n)"
    " SELECT tt.workspace_id, tt.tag_id, coalesce(t.department_key, ''), t.status, 0,"
    " COUNT(*) FROM ticket_tags tt JOIN tickets t"
    " ON t.workspace_id = tt.workspace_id AND t.id = tt.ticket_id WHERE tt.workspace_id = $1"
    " GROUP BY tt.workspace_id, tt.tag_id, coalesce(t.department_key, ''), t.status",
]


@dataclass
class LoadResult:
    workspace_id: str
    api_key: str | None  # only for a workspace the load made
    tickets: int
    messages: int
    events: int
    seconds: float
    size_bytes: int
    rare_word: str
    rare_ticket_ids: list[int]
    common_word: str
    common_tickets: int


async def load(
    database_url: str,
    *,
    workspace_id: str | None = None,
    count: int,
    seed: int = 1,
    batch: int = 10_000,
    progress: Callable[[str], None] = lambda _: None,
) -> LoadResult:
    """Adds `count` tickets to the workspace (a new one when None)."""
    started = time.perf_counter()
    workspace_id, api_key, config, tag_ids = await _workspace(database_url, workspace_id, seed)
    rng = random.Random(seed)
    vocabulary = Vocabulary.build(rng)
    check_markers(vocabulary)
    cast = Cast.of(config)
    authors = make_authors(cast, authors_for(count), rng)
    writer = _writer(database_url, {"workspace_id": workspace_id})
    try:
        await writer.prepare()
        first = await writer.next_ids()
        counters = dataclasses.replace(first)
        now = now_ms()
        await writer.write({"people": contact_rows(workspace_id, authors, now - 731 * 86_400_000)})
        maker = TicketMaker(cast, vocabulary, authors, tag_ids, count=count, now=now, seed=seed,
                            counters=counters)  # fmt: skip
        for start in range(0, count, batch):
            rows = Rows()
            for index in range(start, min(count, start + batch)):
                maker.make(index, rows)
            await writer.write(rows.tables())
            progress(
                f"{min(count, start + batch):,} tickets ({time.perf_counter() - started:.0f} s)"
            )
        await writer.finish(first, workspace_id, RECOUNT)
        progress(f"rows written ({time.perf_counter() - started:.0f} s); rebuilding indexes")
    finally:
        await writer.restore()
    size = await writer.size_bytes()
    await writer.disconnect()
    return LoadResult(
        workspace_id, api_key, count, counters.message - first.message,
        counters.event - first.event, time.perf_counter() - started, size, RARE_WORD,
        maker.markers.rare_ticket_ids, COMMON_WORD, maker.markers.common_count,
    )  # fmt: skip


def _writer(url: str, constants: dict[str, object]) -> SqliteWriter | PostgresWriter:
    if url.startswith("sqlite"):
        return SqliteWriter(url, constants)
    return PostgresWriter(url, constants)


async def _workspace(
    url: str, workspace_id: str | None, seed: int
) -> tuple[str, str | None, WorkspaceConfig, dict[str, int]]:
    """The workspace (made when not given), its configuration and the tags' ids."""
    db = open_database(url, pool_size=1)
    await db.connect()
    try:
        api_key = None
        if workspace_id is None:
            workspace_id, api_key = await create_workspace(
                db, name="Bulk-loaded workspace", seed=seed
            )
        config = await workspaces.workspace_config(db, workspace_id)
        return workspace_id, api_key, config, await _tags(db, workspace_id)
    finally:
        await db.close()


async def _tags(db: Database, workspace_id: str) -> dict[str, int]:
    """The loader's tags, made as labels_repository.attach_tags makes them (in key order)."""
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO tags (workspace_id, name, name_key) VALUES ($1, $2, $3)"
            " ON CONFLICT (workspace_id, name_key) DO NOTHING",
            sorted((workspace_id, name, tag_key(name)) for name in TAGS),
        )
        rows = await conn.fetch("SELECT name, id FROM tags WHERE workspace_id = $1", workspace_id)
    by_key = {tag_key(r[0]): (r[0], r[1]) for r in rows}
    # In the order of TAGS: the first are the commonest.
    return dict(by_key[tag_key(name)] for name in TAGS)


def report(result: LoadResult) -> str:
    share = result.common_tickets / max(result.tickets, 1)
    lines = [
        f"workspace: {result.workspace_id}",
        *([f"Series API key: {result.api_key}"] if result.api_key else []),
        f"loaded {result.tickets:,} tickets, {result.messages:,} messages,"
        f" {result.events:,} events in {result.seconds:.1f} s",
        f"database size: {result.size_bytes / 2**20:,.0f} MiB",
        f"rare word: {result.rare_word!r} in {len(result.rare_ticket_ids)} tickets"
        f" (subject and opening message)",
        f"common word: {result.common_word!r} in {result.common_tickets:,} tickets ({share:.1%})",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True, help="sqlite:///FILE or postgresql://…")
    parser.add_argument("--count", type=int, default=1_000_000, help="tickets to add")
    parser.add_argument("--workspace", help="an existing workspace's id (default: a new one)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=10_000, help="tickets per transaction")
    parser.add_argument("--migrate", action="store_true", help="run `ticketd migrate` first")
    parser.add_argument("--json", action="store_true", help="the result as one JSON object")
    args = parser.parse_args(argv)
    if args.migrate:
        upgrade(args.database_url)
    result = asyncio.run(
        load(args.database_url, workspace_id=args.workspace, count=args.count, seed=args.seed,
             batch=args.batch, progress=lambda line: print(line, file=sys.stderr, flush=True))
    )  # fmt: skip
    print(json.dumps(dataclasses.asdict(result)) if args.json else report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
