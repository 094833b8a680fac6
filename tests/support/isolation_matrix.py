"""One case of the isolation matrix (tests/test_isolation_matrix.py) and how it is sent
and checked: the expected answer, and none of the texts the caller may not see."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.support.isolation_world import THEIR_TEXT, World


@dataclass(frozen=True)
class Try:
    what: str
    method: str
    path: str
    expect: Callable[[httpx.Response], None]
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = None
    form: dict[str, str] | None = None
    staff: bool = False  # sent by the browser of ours' staff member of one department
    hidden: tuple[str, ...] = tuple(THEIR_TEXT.values())  # never in the answer


async def run_try(w: World, t: Try) -> None:
    client = w.staff if t.staff else w.http
    body: dict[str, Any] = {"data": t.form} if t.form is not None else {}
    if t.json is not None:
        body = {"json": t.json}
    answer = await client.request(t.method, t.path, headers=t.headers, **body)
    try:
        t.expect(answer)
        leaked = [text for text in t.hidden if text in answer.text]
        assert not leaked, f"leaked {leaked}"
    except AssertionError as failed:
        raise AssertionError(f"{t.method} {t.path} ({t.what}): {failed}") from None
