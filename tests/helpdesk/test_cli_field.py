"""`ticketd field add`, run as a real subprocess against real databases.

As in tests/test_cli_*.py, only the command under test runs through `python -m
ticketd.cli`; setup (a workspace) is done in-process through the service layer, and
effects are checked through an in-process app on the same database with caching off, so
what the CLI wrote shows at once (tests/support/helpdesk_cli.py). Checks that fail
before touching the database run on SQLite only."""

import pytest

from tests.support.cli import assert_clean_failure, make_workspace, only_json_object
from tests.support.helpdesk_cli import config_of, helpdesk_get
from tests.support.servers import run_cli

pytestmark = pytest.mark.slow


# --- field -------------------------------------------------------------------------


def test_field_add_json_prints_the_field_and_the_api_lists_it(database_url: str) -> None:
    ws = make_workspace(database_url)

    result = run_cli(
        database_url,
        *("field", "add", ws.id, "--name", "Region", "--type", "dropdown"),
        *("--option", "North", "--option", "South", "--json"),
    )

    added = only_json_object(result)
    assert isinstance(added["id"], int) and added["id"] > 0
    assert added["name"] == "Region"
    assert added["type"] == "dropdown"
    assert helpdesk_get(database_url, ws.id, "/customFields") == [
        {
            "id": added["id"],
            "name": "Region",
            "type": "dropdown",
            "possibleValues": [{"value": "North"}, {"value": "South"}],
        }
    ]


def test_field_add_dropdown_without_an_option_fails(sqlite_url: str) -> None:
    ws = make_workspace(sqlite_url)

    result = run_cli(
        sqlite_url, "field", "add", ws.id, "--name", "Region", "--type", "dropdown", "--json"
    )

    assert_clean_failure(result, "at least one option")
    assert result.stdout == ""
    assert config_of(sqlite_url, ws.id).custom_fields == {}


def test_field_add_text_with_an_option_fails(sqlite_url: str) -> None:
    ws = make_workspace(sqlite_url)

    result = run_cli(
        sqlite_url,
        *("field", "add", ws.id, "--name", "Notes", "--type", "text", "--option", "x", "--json"),
    )

    assert_clean_failure(result, "only dropdown fields have options")
    assert config_of(sqlite_url, ws.id).custom_fields == {}
