"""Logging that cannot identify a member.

The bot's own log lines carry only an entry id, a decision, a score and a
locale. discord.py, however, logs raw gateway events and HTTP bodies at DEBUG
(user, guild and channel ids, the text of a question, interaction tokens in
URLs). :class:`RedactingFilter` rewrites those records where they are created,
on every ``discord.*`` logger, so no handler (a file, journald, pytest's
caplog) ever sees the payloads: bodies become a size, and snowflakes and
token-like path segments are masked.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping, Sequence
from typing import Any

SNOWFLAKE = re.compile(r"(?<![\w])\d{15,21}(?![\w])")
TOKENISH = re.compile(r"[A-Za-z0-9_\-]{20,}\.[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{20,}|[A-Za-z0-9_\-]{40,}")
PAYLOAD_PREFIXES = ("{", "[")
FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def redact(text: str) -> str:
    """Mask snowflakes (ids), bot tokens and long token-like runs (interaction tokens) in ``text``."""
    return SNOWFLAKE.sub("<id>", TOKENISH.sub("<redacted>", text))


def _summary(value: Any) -> Any:
    """Replace a payload (mapping, list, JSON text, form data) by its kind and size."""
    if isinstance(value, Mapping):
        keep = {k: value[k] for k in ("op", "t", "s") if k in value and not isinstance(value[k], Mapping)}
        return f"<payload {keep}>" if keep else f"<payload of {len(value)} keys>"
    if isinstance(value, (list, tuple)):
        return f"<payload of {len(value)} items>"
    if isinstance(value, (str, bytes)):
        if len(value) > 100 or (isinstance(value, str) and value.lstrip().startswith(PAYLOAD_PREFIXES)):
            return f"<payload of {len(value)} characters>"
        return value
    if value is None or isinstance(value, (int, float, bool)):
        return value
    if type(value).__name__ == "FormData":
        return "<form payload>"
    return value


class RedactingFilter(logging.Filter):
    """Rewrites a record so it carries no payload, id or token; never drops it."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Summarise payload arguments, then mask ids and tokens in the message and traceback."""
        if record.args:
            args: Sequence[Any] | Mapping[str, Any] = record.args
            if isinstance(args, Mapping):
                record.args = {k: _summary(v) for k, v in args.items()}
            else:
                record.args = tuple(_summary(v) for v in args)
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


_FILTER = RedactingFilter()


def protect_discord_loggers() -> None:
    """Attach the redacting filter to every ``discord`` logger that exists (idempotent)."""
    names = [name for name in logging.root.manager.loggerDict if name == "discord" or name.startswith("discord.")]
    for name in ["discord", *names]:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


def configure_logging(level: str) -> None:
    """Log to stderr at ``level``, every record passing through the redacting filter."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(_FILTER)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    protect_discord_loggers()
