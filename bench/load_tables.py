"""Rows to tuples in each table's own column order, read from the database: a builder
names the columns it fills (dict keys), `workspace_id` is filled for any table that has
one and a builder left out, and a NOT NULL column nobody fills is refused before
anything is written, so a schema change shows up as a clear error, not a half load."""

import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

Row = dict[str, Any]


class LoadError(Exception):
    """The database cannot take the loader's rows as they are built."""


@dataclass(frozen=True)
class DbColumn:
    name: str
    required: bool  # NOT NULL without a default


@dataclass(frozen=True)
class TableShape:
    """How one table's rows become the tuples a COPY or an executemany takes."""

    table: str
    columns: tuple[str, ...]
    to_tuple: Callable[[Row], tuple[Any, ...]]

    def tuples(self, rows: Iterable[Row]) -> list[tuple[Any, ...]]:
        return list(map(self.to_tuple, rows))


def shape_for(
    table: str, db_columns: Sequence[DbColumn], built: Iterable[str], constants: Row
) -> TableShape:
    """The columns a builder fills (`built`), then the constants this table has too."""
    built = list(built)
    known = {c.name for c in db_columns}
    unknown = [c for c in built if c not in known]
    if unknown:
        raise LoadError(f"{table} has no column {', '.join(unknown)}: the loader is out of date")
    extra = [c.name for c in db_columns if c.name not in built and c.name in constants]
    missing = [
        c.name for c in db_columns if c.required and c.name not in built and c.name not in extra
    ]
    if missing:
        raise LoadError(
            f"{table}.{', '.join(missing)} is NOT NULL and the loader gives it no value:"
            " add it to that table's row builder (bench/load_life.py) or to the constants"
        )
    fixed = tuple(constants[c] for c in extra)
    return TableShape(table, (*built, *extra), _converter(built, fixed))


def _converter(built: list[str], fixed: tuple[Any, ...]) -> Callable[[Row], tuple[Any, ...]]:
    getter = operator.itemgetter(*built)
    if len(built) == 1:
        return lambda row: (getter(row), *fixed)
    if not fixed:
        return getter  # type: ignore[no-any-return]
    return lambda row: getter(row) + fixed
