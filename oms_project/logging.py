"""Structured (one JSON object per line) logs carrying the request id, the principal and the
branch of the request being served."""

from __future__ import annotations

import contextvars
import json
import logging
from datetime import UTC, datetime

#: The id of the request being served in this context ("-" outside requests).
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
#: Who the request is from, once authenticated ("-" before and outside requests).
principal_var: contextvars.ContextVar[str] = contextvars.ContextVar("principal", default="-")
#: The branch the request's URL names ("-" when none).
branch_var: contextvars.ContextVar[str] = contextvars.ContextVar("branch", default="-")
#: The client address of the request being served ("" outside requests); audit events record it.
client_address_var: contextvars.ContextVar[str] = contextvars.ContextVar("client", default="")


class RequestIdFilter(logging.Filter):
    """Stamp every record with the current request id, principal and branch."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.principal = principal_var.get()
        record.branch = branch_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """Render a record as one JSON line: time, level, logger, message, request id, extras."""

    STAMPED = ("request_id", "principal", "branch")
    RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", *STAMPED}

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: getattr(record, k, "-") for k in self.STAMPED})
        entry.update({k: v for k, v in vars(record).items() if k not in self.RESERVED})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)
