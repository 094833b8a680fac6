"""Log lines as JSON objects on stderr, one a line, for ticketd's loggers and uvicorn's.

Each line has `time`, `level`, `logger`, `pid` and `message`; lines emitted while a request is
handled add `request_id` (and `workspace_id` once known); an access line adds the
request's fields; an exception adds its traceback as `exception`."""

import logging
import os
import time
from functools import lru_cache
from typing import Any

import orjson

from ticketd.observe import context

# Names as TICKETD_LOG_LEVEL takes them; "trace" is uvicorn's level below debug.
LEVELS = {"critical": 50, "error": 40, "warning": 30, "info": 20, "debug": 10, "trace": 5}
ACCESS_FIELDS = "access"  # the `extra` key an access line's fields travel under


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": _iso(record.created),
            "level": record.levelname,
            "logger": record.name,
            "pid": record.process,  # which of `ticketd serve --workers N`'s processes
            "message": record.getMessage(),
        }
        request = context.current.get()
        if request is not None:
            line["request_id"] = request.request_id
            if request.workspace_id is not None:
                line["workspace_id"] = request.workspace_id
        line.update(getattr(record, ACCESS_FIELDS, None) or {})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


class AccessRecord(logging.LogRecord):
    """An access line's record, made without LogRecord.__init__'s general work (the
    message's arguments, file and module names, times relative to start-up): about a
    third of what an access line cost. It goes through the access logger's filters and
    handlers like any record; the attributes no formatter here reads keep these
    class-level values."""

    name = "ticketd.access"
    levelno, levelname = logging.INFO, "INFO"
    args: Any = None
    exc_info = exc_text = stack_info = None
    pathname = filename = module = funcName = "(access)"
    lineno, relativeCreated = 0, 0.0
    thread = threadName = processName = taskName = None

    def __init__(self, message: str, fields: dict[str, Any]) -> None:
        self.msg = message
        self.created = time.time()
        self.msecs = (self.created % 1) * 1000
        self.process = os.getpid()
        setattr(self, ACCESS_FIELDS, fields)


def _iso(created: float) -> str:
    """UTC to the millisecond, as 2026-12-06T03:04:05.678Z."""
    second = int(created)
    return f"{_iso_second(second)}.{int((created - second) * 1000):03d}Z"


@lru_cache(maxsize=4)
def _iso_second(second: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))


def logging_config(log_level: str) -> dict[str, Any]:
    """For logging.config.dictConfig and uvicorn's `log_config` (which applies it again
    in every worker process it starts). Other libraries log at warning and above."""
    _gather_only_what_lines_show()
    level = LEVELS[log_level]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "ticketd.observe.logs.JsonFormatter"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "json",
            }
        },
        "root": {"handlers": ["stderr"], "level": "WARNING"},
        "loggers": {
            "ticketd": {"level": level},
            "uvicorn": {"level": level},
            # httpx logs every request with its URL, and Discord webhook URLs carry a token.
            "httpx": {"level": "WARNING"},
        },
    }


def _gather_only_what_lines_show() -> None:
    """Leave out of every log record what no line shows: the calling frame, thread and
    multiprocessing names (the logging docs' "Optimization" settings). About a third of
    the cost of an access line."""
    logging._srcfile = None
    logging.logThreads = False
    logging.logMultiprocessing = False
