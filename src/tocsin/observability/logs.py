"""Logging set-up: readable lines for people by default, one JSON object per line for machines."""

from __future__ import annotations

import logging
import logging.config
from datetime import UTC, datetime
from typing import Any

import msgspec

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JSONFormatter(logging.Formatter):
    """Formats a record as JSON with its extra fields (``log.info("x", extra={...})``)."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                doc[key] = value
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        return msgspec.json.encode(doc, enc_hook=str).decode()


def logging_config(*, json_lines: bool = False, level: str = "info") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for Tocsin and uvicorn (also used by worker processes)."""
    formatter: dict[str, Any] = (
        {"()": JSONFormatter}
        if json_lines
        else {"format": "%(asctime)s %(levelname)-7s %(name)s: %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"tocsin": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "tocsin",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            # Access logs for every ingest request would cost more than the request itself.
            "uvicorn.access": {"handlers": [], "propagate": True, "level": "WARNING"},
            "alembic.runtime.plugins": {"level": "WARNING"},
        },
    }


def configure_logging(*, json_lines: bool = False, level: str = "info") -> None:
    """Send Tocsin's (and uvicorn's) logs to stderr in the chosen format."""
    logging.config.dictConfig(logging_config(json_lines=json_lines, level=level))
