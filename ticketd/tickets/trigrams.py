"""Which trigrams of a search text SQLite's FTS5 trigram tables are asked for.

Asked for a substring, FTS5 reads the list of rows of every trigram in it, and common
trigrams ("the", "ing", "rge") list a good part of all tickets: at a million tickets a
word found in a hundred took 3 ms there, most of it in one trigram. Every row holding
the text holds each of its trigrams, so asking for the two rarest finds every match
plus a few others, which the exact LIKE that follows the FTS5 lookup drops (0.1 ms for
the same word). Which trigrams are rare comes from a sample of the indexed text, taken
when a database is first searched and again every ten minutes; a poor sample makes a
search slower, never wrong. The same sample tells about how many rows hold the text,
so that a search for a common word can test tickets one by one in the list's order
instead of gathering a quarter of a million matches first."""

import random
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass

from ticketd.db.database import Connection, placeholders
from ticketd.db.search_index import LOWER_TICKET_TEXT

TRIGRAM = 3
ASKED = 2  # trigrams asked for: the rarest two narrow as well as all of them do
SAMPLE_ROWS = 1000
RESAMPLE_SECONDS = 600.0
DATABASES_KEPT = 4  # a process serves one database; tests open many
# Names the sample's statements, which read the whole table, every workspace's rows, in
# the database's own statistics and logs.
SAMPLING = "/* trigram sample */"

# The text each search index covers: (table, text expression, row id column). SQLite's
# FTS5 tables by name; PostgreSQL's pg_trgm indexes (migration 0007) by their table.
_INDEXED = {
    "ticket_search": ("ticket_search", "text", "rowid"),
    "message_search": ("messages", "content", "id"),
    "tickets": ("tickets", LOWER_TICKET_TEXT, "id"),
    "messages": ("messages", "lower(content)", "id"),
}


@dataclass(frozen=True, slots=True)
class _Sample:
    rows: Counter[str]  # trigram -> sampled rows holding it
    texts: list[str]  # the sampled rows' text, lower case
    last_id: int  # the indexed rows then: ids are dense enough to stand for their number
    taken_at: float


_samples: OrderedDict[tuple[str, str], _Sample] = OrderedDict()


def of(text: str) -> set[str]:
    return {text[i : i + TRIGRAM] for i in range(len(text) - TRIGRAM + 1)}


async def match_expression(conn: Connection, table: str, text: str) -> str:
    """An FTS5 MATCH expression for `table` that every row holding `text` (lower case,
    at least three characters) satisfies: its rarest trigrams, each quoted. When every
    trigram of the text is in some sampled row, the two rarest; otherwise those in no
    sampled row, which the sample cannot rank: one of them alone is cheapest when it is
    the only one (at a million tickets `chargeback` counted in 87 µs through "geb"
    alone, 150 µs through "geb" and "arg"), but of several the first by name could be a
    common one (a sample that missed "arg", in 2,927 tickets where "geb" is in 20, made
    that search 0.37 -> 4.5 ms: whole benchmark rounds ran ten times slower)."""
    asked = _rarest(of(text), await _sample(conn, table), ASKED)
    return " AND ".join('"' + t.replace('"', '""') + '"' for t in asked)


async def rarest_word_trigrams(conn: Connection, table: str, text: str) -> list[str]:
    """For PostgreSQL's pg_trgm index on `table`: the rarest trigram of `text` (lower
    case) made of letters and digits only (pg_trgm drops other characters), or all of
    those in no sampled row (as match_expression); none when it has no such trigram.
    Asked for a whole text, that index reads the list of every trigram in it, and the
    common ones grow with the data: a rare word counted in 0.15 ms at 10,000 tickets
    and 0.8 ms at a million. The rarest find the same rows and a few others, which the
    exact test that follows drops."""
    word_trigrams = {t for t in of(text) if t.isascii() and t.isalnum()}
    if not word_trigrams:
        return []
    return _rarest(word_trigrams, await _sample(conn, table), 1)


def _rarest(candidates: set[str], sample: "_Sample", count: int) -> list[str]:
    """Those of the candidates in no sampled row, which the sample cannot rank (by
    name); when there are none (or nothing was sampled), the `count` rarest."""
    unseen = sorted(t for t in candidates if not sample.rows[t]) if sample.texts else []
    return unseen or sorted(candidates, key=lambda t: (sample.rows[t], t))[:count]


async def estimated_rows(conn: Connection, table: str, text: str) -> tuple[int, int]:
    """About how many rows of `table` hold `text` (lower case), judged on the sample,
    and how many rows it indexes."""
    sample = await _sample(conn, table)
    if not sample.texts:
        return 0, sample.last_id
    holding = sum(text in t for t in sample.texts)
    return holding * sample.last_id // len(sample.texts), sample.last_id


async def _sample(conn: Connection, table: str) -> _Sample:
    # A PostgreSQL server process serves one database: its samples are the process's.
    database = "postgresql" if table in ("tickets", "messages") else await _sqlite_file(conn)
    key = (database, table)
    sample = _samples.get(key)
    if sample is None or time.monotonic() - sample.taken_at > RESAMPLE_SECONDS:
        sample = _samples[key] = await _take(conn, table)
        while len(_samples) > DATABASES_KEPT:
            _samples.popitem(last=False)
    _samples.move_to_end(key)
    return sample


async def _sqlite_file(conn: Connection) -> str:
    return str((await conn.fetch("PRAGMA database_list"))[0][2])


async def _take(conn: Connection, table: str) -> _Sample:
    source, column, row_id = _INDEXED[table]
    last = await conn.fetchval(f"SELECT MAX({row_id}) FROM {source} {SAMPLING}") or 0
    ids = random.sample(range(1, last + 1), min(last, SAMPLE_ROWS))
    rows = await conn.fetch(
        f"SELECT {column} FROM {source} WHERE {row_id} IN ({placeholders(len(ids))}) {SAMPLING}",
        *ids,
    )
    texts = [row[0].lower() for row in rows]
    counted: Counter[str] = Counter()
    for text in texts:
        counted.update(of(text))
    return _Sample(counted, texts, last, time.monotonic())
