"""The links in reminder emails: signed for one member, one item and one answer, and short-lived.

A link's token holds what it is for (the member, their partnership, the item, the console command
the answer stands for, the message it came in, and when it was made) and an HMAC of all of that
under EMAIL_LINK_SECRET. Nothing in it can be changed without the secret, so a link cannot be
turned into another member's, another item's or another answer. After a change of secret the
previous one (EMAIL_LINK_SECRET_PREVIOUS) is still accepted, so links already sent keep working
until they expire.

Opening a link changes nothing (mail scanners open every link): it shows a page with one button,
and only that button's POST, carrying a form token made from the link, makes the change.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from messages.reply import Button

ANSWER_LIFE = timedelta(days=14)
UNSUBSCRIBE_LIFE = timedelta(days=90)  # the newest email always carries a fresh one
ANSWER, UNSUBSCRIBE = "a", "u"
VERSION = 1
MAX_TOKEN = 2000

# The chat buttons an email may answer, and whether a second use of the same link would be wrong:
# marking done or snoozing twice from one email is a mistake; changing an attendance answer is not.
# Putting right a marking someone else made (Not done after all) names that marking's moment.
ANSWERS = (
    (re.compile(r"(?:action|return|paper) done \d{1,12}"), True),
    (re.compile(r"(?:action|return|paper) reopen \d{1,12} marked=\d{8}T\d{6}"), True),
    (re.compile(r"snooze (?:action|return|paper) \d{1,12} (?:day|week)"), True),
    (re.compile(r"attend [\w.-]{1,40} (?:yes|no|deputy)"), False),
    (re.compile(r"deputise [\w.-]{1,40} (?:yes|no)"), False),
)


class BadLink(Exception):
    """A link that AssureBot did not make, or that has been changed: nothing of it can be trusted."""


class ExpiredLink(Exception):
    """A link that was good but is too old to use."""


def answerable(command: str) -> bool:
    """Whether a button's command can be answered from an email."""
    return any(pattern.fullmatch(command) for pattern, _once in ANSWERS)


def answered_once(command: str) -> bool:
    """Whether a link for this command works only once (see ANSWERS)."""
    return any(pattern.fullmatch(command) and once for pattern, once in ANSWERS)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Link:
    """What a good token says."""

    kind: str  # ANSWER or UNSUBSCRIBE
    member_id: int
    partnership_id: int
    item: str  # the item's key ("action:12", "meeting:40"), "" for an answer not tied to one item
    command: str  # the console command the answer stands for
    message: str  # which message the link came in
    issued: datetime
    token: str = field(repr=False)

    @property
    def once(self) -> bool:
        return self.kind == ANSWER and answered_once(self.command)

    @property
    def claim(self) -> str:
        """The key a once-only answer claims (models.submits): the same for every copy of one message."""
        digest = hashlib.sha256(f"{self.member_id}|{self.item}|{self.command}|{self.message}".encode()).hexdigest()
        return f"email:{digest[:34]}"

    def expires(self) -> datetime:
        return self.issued + (ANSWER_LIFE if self.kind == ANSWER else UNSUBSCRIBE_LIFE)


@dataclass(frozen=True)
class LinkSigner:
    """Makes and checks email links (PUBLIC_URL, EMAIL_LINK_SECRET and the previous secret)."""

    public_url: str
    secret: str = field(repr=False)
    previous: str | None = field(default=None, repr=False)

    # --- making --------------------------------------------------------------------------

    def token(self, kind: str, *, member_id: int, partnership_id: int, item: str, command: str, message: str,
              now: datetime) -> str:
        body = json.dumps([VERSION, kind, member_id, partnership_id, item, command, message, int(now.timestamp())],
                          separators=(",", ":"), ensure_ascii=True).encode()
        return f"{_b64(body)}.{self._sign(self.secret, body)}"

    def answer_url(self, *, member_id: int, partnership_id: int, item: str, button: Button, message: str,
                   now: datetime) -> str | None:
        """The link for one button of one item, or None when it cannot be answered from an email."""
        if not answerable(button.command):
            return None
        token = self.token(ANSWER, member_id=member_id, partnership_id=partnership_id, item=item,
                           command=button.command, message=message, now=now)
        return f"{self.base}/email/answer/{token}"

    def unsubscribe_url(self, *, member_id: int, partnership_id: int, message: str, now: datetime) -> str:
        token = self.token(UNSUBSCRIBE, member_id=member_id, partnership_id=partnership_id, item="",
                           command="reminders stop", message=message, now=now)
        return f"{self.base}/email/unsubscribe/{token}"

    @property
    def base(self) -> str:
        return self.public_url.rstrip("/")

    # --- checking -------------------------------------------------------------------------

    def read(self, token: str, *, kind: str, now: datetime) -> Link:
        """The link a token stands for; BadLink if it was not made here or was changed, ExpiredLink if too old."""
        if len(token) > MAX_TOKEN or token.count(".") != 1:
            raise BadLink("not a link AssureBot made")
        encoded, signature = token.split(".")
        try:
            body = _unb64(encoded)
        except (binascii.Error, ValueError):
            raise BadLink("not a link AssureBot made") from None
        if not any(hmac.compare_digest(self._sign(secret, body), signature) for secret in self._secrets()):
            raise BadLink("the signature does not match")
        try:
            version, found, member_id, partnership_id, item, command, message, issued = json.loads(body)
        except (ValueError, TypeError):
            raise BadLink("not a link AssureBot made") from None
        if version != VERSION or found != kind or not all(isinstance(v, int) for v in (member_id, partnership_id,
                                                                                      issued)):
            raise BadLink("not this kind of link")
        link = Link(kind, member_id, partnership_id, str(item), str(command), str(message),
                    datetime.fromtimestamp(issued, timezone.utc), token)
        # Only what an email offers, even under our own signature (a leaked or guessed secret).
        if not (answerable(link.command) if kind == ANSWER else link.command == "reminders stop"):
            raise BadLink("not an answer an email offers")
        if now >= link.expires():
            raise ExpiredLink(f"made {link.issued:%Y-%m-%d}")
        return link

    def form_token(self, link: Link) -> str:
        """What the page's form sends back with its POST: made from the link, under the current secret."""
        return self._sign(self.secret, b"form:" + link.token.encode())

    def form_token_ok(self, link: Link, sent: str | None) -> bool:
        if not sent or len(sent) > 100:
            return False
        made = b"form:" + link.token.encode()
        return any(hmac.compare_digest(self._sign(secret, made), sent) for secret in self._secrets())

    def _secrets(self) -> list[str]:
        return [self.secret] + ([self.previous] if self.previous else [])

    @staticmethod
    def _sign(secret: str, body: bytes) -> str:
        return _b64(hmac.new(secret.encode(), b"assurebot-email:" + body, hashlib.sha256).digest()[:16])
