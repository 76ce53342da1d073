"""What may be logged. An escalation's words, a summary, a note or an outcome never go to a log at
any level, and neither do private links: the platform SDKs log whole request bodies and URLs at
DEBUG, so their loggers are held at INFO whatever LOG_LEVEL says."""

from __future__ import annotations

import logging
from pathlib import Path
import re

# Loggers of libraries that write request or response bodies at DEBUG.
CHATTY_SDKS = ("slack_sdk", "slack_bolt", "bot.slack.bolt", "botbuilder", "botframework", "msrest", "msal",
               "urllib3", "aiohttp.client")
PRIVATE_LINK = re.compile(r"(/calendar/)[^/\s\"?]+(\.ics)")
EMAIL_LINK = re.compile(r"(/email/(?:answer|unsubscribe)/)[^/\s\"?]+")


class PrivateLinks(logging.Filter):
    """Masks members' private calendar and email links in a record (the access log names every URL opened)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(_masked(a) for a in (record.args if isinstance(record.args, tuple)
                                                     else (record.args,)))
        record.msg = _masked(record.msg)
        # The access log also hands the request line and headers to formatters as attributes.
        for name, value in list(vars(record).items()):
            if name not in ("msg", "args") and isinstance(value, (str, dict)):
                setattr(record, name, _masked(value))
        return True


def _masked(value):
    if isinstance(value, str):
        return EMAIL_LINK.sub(r"\1…", PRIVATE_LINK.sub(r"\1…\2", value))
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    return value


def keep_content_out_of_logs() -> None:
    """Hold the SDKs' loggers at INFO and mask private links in the access log."""
    for name in CHATTY_SDKS:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET or logger.level < logging.INFO:
            logger.setLevel(logging.INFO)
    access = logging.getLogger("aiohttp.access")
    if not any(isinstance(f, PrivateLinks) for f in access.filters):
        access.addFilter(PrivateLinks())


def configure_logging(level: str) -> None:
    """The process's logging: LOG_LEVEL's lines on stderr, with the rules above. Every process of
    AssureBot's starts with it (the command line and the process that runs reports)."""
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for chatty in ("alembic", "matplotlib"):  # their INFO lines would land in the middle of a chat
        logging.getLogger(chatty).setLevel(logging.WARNING)
    keep_content_out_of_logs()


def log_to_file(path: Path) -> None:
    """Send the log to a file instead of the terminal: in the console a problem's traceback would
    otherwise land in the middle of the chat (the reply gives the error's id, to find it there)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    to_file = logging.FileHandler(path, encoding="utf-8")
    to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for handler in list(root.handlers):
        if isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler):
            root.removeHandler(handler)
    root.addHandler(to_file)
