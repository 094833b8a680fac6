"""How the CLI's text output shows values: checked in-process, no subprocess."""

import pytest

from ticketd.cli import cell, emit_rows, printable_lines


def test_text_from_anyone_cannot_drive_the_terminal() -> None:
    assert cell("subject", "Help\x1b[2J\x1b]0;owned\x07 me\u202e") == "Help [2J ]0;owned  me "
    assert printable_lines("first\r\nsecond\x1b[1A") == ["first", "second [1A"]


def test_cells_show_nothing_booleans_lists_and_times() -> None:
    assert [cell("x", None), cell("x", True), cell("x", False)] == ["-", "yes", "no"]
    assert [cell("tags", ["a", "b"]), cell("tags", [])] == ["a,b", "-"]
    assert cell("createdAt", 1_700_000_000_123) == "2023-11-14T22:13:20Z"
    assert cell("count", 1_700_000_000_123) == "1700000000123"


def test_rows_line_up_under_their_header(capsys: pytest.CaptureFixture[str]) -> None:
    emit_rows([{"id": 1, "name": "long name"}, {"id": 22, "name": None}], as_json=False)

    assert capsys.readouterr().out.splitlines() == [
        "id  name",
        "1   long name",
        "22  -",
    ]
