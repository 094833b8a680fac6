"""Every domain error has a status and an envelope code in each API."""

import ticketd.app  # noqa: F401 - imports every module that defines an error
from ticketd.helpdesk.envelope import ERRORS
from ticketd.kit.errors import TicketdError
from ticketd.series.envelope import STATUS


def error_classes() -> list[type[TicketdError]]:
    found, pending = [], [TicketdError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def test_every_error_code_has_a_series_status() -> None:
    missing = sorted({c.code for c in error_classes()} - set(STATUS))
    assert not missing, f"add these codes to series/envelope.py STATUS: {missing}"


def test_every_error_code_has_a_helpdesk_error_code_and_status() -> None:
    missing = sorted({c.code for c in error_classes()} - set(ERRORS))
    assert not missing, f"add these codes to helpdesk/envelope.py ERRORS: {missing}"


def test_no_error_class_carries_an_http_status() -> None:
    carrying = [c.__name__ for c in error_classes() if "status" in vars(c)]
    assert not carrying, f"map these classes' statuses in each API instead: {carrying}"
