"""Unknown helpdesk paths and wrong methods answer in the helpdesk envelope; other paths
keep the Series one, on both engines."""

import pytest

from tests.support.helpdesk import Helpdesk, assert_hd_error
from tests.support.helpdesk_auth import PROTECTED
from tests.support.series import assert_error
from ticketd.helpdesk.envelope import ERRORS

pytestmark = pytest.mark.anyio


# --- routing envelopes -------------------------------------------------------------


async def test_unknown_helpdesk_path_gets_404_in_the_helpdesk_envelope(hd: Helpdesk) -> None:
    response = await hd.client.get("/helpdesk/nope")
    body = assert_hd_error(response, 404, ERRORS["not_found"][0])
    assert set(body) == {"data", "errorCode", "errorText"}


async def test_unknown_helpdesk_path_is_404_even_without_a_token(hd: Helpdesk) -> None:
    hd.client.headers.pop("Authorization")
    assert_hd_error(await hd.client.get("/helpdesk/nope"), 404, ERRORS["not_found"][0])


async def test_non_integer_ticket_id_is_an_unknown_path(hd: Helpdesk) -> None:
    assert_hd_error(await hd.client.get("/helpdesk/tickets/abc"), 404, ERRORS["not_found"][0])


async def test_wrong_method_gets_405_in_the_helpdesk_envelope(hd: Helpdesk) -> None:
    response = await hd.client.delete(PROTECTED)
    body = assert_hd_error(response, 405, ERRORS["method_not_allowed"][0])
    assert set(body) == {"data", "errorCode", "errorText"}


async def test_wrong_method_answer_lists_the_allowed_methods(hd: Helpdesk) -> None:
    # RFC 9110 15.5.6: a 405 MUST carry Allow with the resource's methods.
    response = await hd.client.delete(PROTECTED)
    assert response.status_code == 405, response.text
    assert "GET" in response.headers.get("Allow", ""), response.headers


async def test_wrong_method_on_a_path_with_two_methods_lists_both(hd: Helpdesk) -> None:
    response = await hd.client.delete("/helpdesk/tickets/1/replies")
    assert response.status_code == 405, response.text
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert {"GET", "POST"} <= allowed


async def test_series_path_keeps_the_series_envelope(hd: Helpdesk) -> None:
    assert_error(await hd.client.get("/nope"), 404, "Not found")


async def test_path_merely_starting_with_the_prefix_gets_the_series_envelope(
    hd: Helpdesk,
) -> None:
    assert_error(await hd.client.get("/helpdesk-old/tickets"), 404, "Not found")
