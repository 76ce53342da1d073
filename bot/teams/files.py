"""Files that go with a reply (a report's CSV, Excel and chart), sent the Teams way.

A bot cannot simply attach a file in Teams. It offers it with a file consent card in the
person's personal chat; when they press Allow, Teams invokes the bot (`fileConsent/invoke`)
with an upload URL in their OneDrive, the bot uploads the bytes there and posts a file card.
Offered files wait in the database for a day (models.teams_cards.TeamsFileOffer), so a restart
between the offer and the Allow loses nothing; after that, asking again makes them afresh.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

import aiohttp
from botbuilder.schema import Activity, ActivityTypes, Attachment
from sqlalchemy.engine import Engine

from messages.reply import Attachment as ReplyFile
from models.base import utcnow
from models.db import session_for
from models.teams_cards import save_offer, take_offer

log = logging.getLogger(__name__)

CONSENT_CARD = "application/vnd.microsoft.teams.card.file.consent"
FILE_INFO_CARD = "application/vnd.microsoft.teams.card.file.info"
FILE_CONSENT_INVOKE = "fileConsent/invoke"
KEEP = timedelta(days=1)


class FileOffers:
    """Files offered and not yet accepted or declined."""

    def __init__(self, engine: Engine, *, keep: timedelta = KEEP, clock: Callable[[], datetime] = utcnow):
        self.engine = engine
        self._keep = keep
        self._clock = clock

    def offer(self, file: ReplyFile, member_id: int | None) -> str:
        token = uuid.uuid4().hex
        now = self._clock()
        with session_for(self.engine) as session:
            save_offer(token, member_id, file.filename, file.content_type, file.data, session=session,
                       offered_at=now, forget_before=now - self._keep)
        return token

    def take(self, token: str, member_id: int | None) -> ReplyFile | None:
        """The offered file, once, and only for the person it was offered to."""
        with session_for(self.engine) as session:
            offer = take_offer(token[:40], member_id, session=session, offered_after=self._clock() - self._keep)
            if offer is None:
                return None
            return ReplyFile(offer.filename, offer.content_type, offer.data)


def consent_activity(file: ReplyFile, token: str) -> Activity:
    """The card asking to put a file in the person's OneDrive."""
    size = len(file.data)
    shown = f"{size / 1024:.0f} KB" if size >= 1024 else f"{size} bytes"
    context = {"assurebot_file": token}
    return Activity(type=ActivityTypes.message, attachments=[Attachment(
        content_type=CONSENT_CARD, name=file.filename,
        content={"description": f"{file.filename} ({shown}) from AssureBot", "sizeInBytes": size,
                 "acceptContext": context, "declineContext": context})])


def file_card_activity(upload_info: dict) -> Activity:
    """The card showing the uploaded file in the chat."""
    return Activity(type=ActivityTypes.message, attachments=[Attachment(
        content_type=FILE_INFO_CARD, name=upload_info.get("name"), content_url=upload_info.get("contentUrl"),
        content={"uniqueId": upload_info.get("uniqueId"), "fileType": upload_info.get("fileType")})])


async def upload(upload_url: str, data: bytes) -> None:
    """Put the bytes at the OneDrive upload URL Teams gave (one range: these files are small)."""
    headers = {"Content-Length": str(len(data)), "Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}"}
    async with aiohttp.ClientSession() as http, http.put(upload_url, data=data, headers=headers) as response:
        if response.status >= 300:
            raise RuntimeError(f"upload refused with HTTP {response.status}")
