"""The door of POST /slack/events, before bolt sees a request.

- The signature is checked first, on the raw body: anything unsigned, wrongly signed, more than
  five minutes old or with a malformed timestamp gets 401, and nothing in it is read.
- A signed body that is not what Slack sends (broken JSON, a payload that is not an object) gets
  400, without a traceback in the log.
- A request seen before is answered as the first one was, without running anything again:
  Slack retries an event it thinks timed out (X-Slack-Retry-Num, the same body), and a captured
  request replayed within its five minutes carries the same signature and body. A retry that
  arrives while the first is still running waits for the first's answer.

What is remembered is the answer to each body for REMEMBER seconds (Slack's last retry comes
about five minutes after the first try), at most CAPACITY of them, in this process.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import parse_qs

from aiohttp import web
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

REMEMBER = 600.0  # seconds an answer is kept for a retry or a replay of the same body
CAPACITY = 5000  # answers kept at most
MAX_TIMESTAMP_DIGITS = 12


@dataclass(frozen=True)
class Answer:
    """An HTTP answer that can be given again."""

    status: int
    body: bytes
    content_type: str | None
    headers: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, response: web.Response) -> Answer:
        kept = tuple((k, v) for k, v in response.headers.items() if k.lower() not in ("content-type",
                                                                                         "content-length"))
        if isinstance(response.body, bytes):
            body = response.body
        else:  # a str body becomes a payload; its text is what was sent
            body = (response.text or "").encode(response.charset or "utf-8")
        return cls(response.status, body, response.content_type if body else None, kept)

    def response(self) -> web.Response:
        return web.Response(status=self.status, body=self.body, content_type=self.content_type,
                            headers=dict(self.headers))


class NotSlackShaped(ValueError):
    """A signed body that is not a request Slack would send."""


def bolt_request(body: str, query: str, headers) -> AsyncBoltRequest:
    """The request for bolt, refusing a body bolt could not make sense of."""
    try:
        if body.lstrip().startswith("{"):
            parsed = json.loads(body)
        else:
            form = parse_qs(body, keep_blank_values=True)
            parsed = json.loads(form["payload"][0]) if "payload" in form else {}
        if not isinstance(parsed, dict):
            raise NotSlackShaped("the request is not a JSON object")
        return AsyncBoltRequest(body=body, query=query, headers=headers)
    except NotSlackShaped:
        raise
    except (ValueError, TypeError, AttributeError, KeyError, IndexError) as problem:
        raise NotSlackShaped(f"the request body could not be read ({type(problem).__name__})") from None


class SlackGate:
    """Checks each request's signature, refuses malformed ones, and answers repeats from memory."""

    def __init__(self, signing_secret: str, *, clock: Callable[[], float] = time.monotonic):
        self.verifier = SignatureVerifier(signing_secret)
        self.clock = clock
        self._answers: OrderedDict[str, tuple[float, asyncio.Future[Answer]]] = OrderedDict()
        self.repeats = 0  # requests answered from memory (for the log and tests)

    async def handle(self, request: web.Request,
                     run: Callable[[AsyncBoltRequest], Awaitable[web.Response]]) -> web.Response:
        body = await request.text()
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if not (timestamp.isdigit() and len(timestamp) <= MAX_TIMESTAMP_DIGITS
                and self.verifier.is_valid(body, timestamp, signature)):
            log.info("Slack: refused a request that is unsigned, wrongly signed or too old (401)")
            return web.Response(status=401, text="Unsigned, wrongly signed or expired request.")
        key = hashlib.sha256(body.encode()).hexdigest()
        self._forget_old()
        earlier = self._answers.get(key)
        if earlier is not None:
            try:
                given: Answer | None = await asyncio.shield(earlier[1])
            except asyncio.CancelledError:
                if not earlier[1].cancelled():
                    raise  # this request was cancelled, not the first
                given = None  # the first was not answered: this one runs instead
            if given is not None:
                self.repeats += 1
                log.info("Slack: answered a repeated request (retry %s) as the first, without running it again",
                         request.headers.get("X-Slack-Retry-Num", "none"))
                return given.response()
        try:
            parsed = bolt_request(body, request.query_string, request.headers)
        except NotSlackShaped as problem:
            log.info("Slack: refused a signed request: %s (400)", problem)
            return web.Response(status=400, text="This is not a request Slack sends.")
        answer: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._answers[key] = (self.clock(), answer)
        try:
            response = await run(parsed)
        except BaseException:
            self._answers.pop(key, None)  # nothing was answered: a retry may run it
            answer.cancel()
            raise
        if response.status >= 500:
            self._answers.pop(key, None)
        answer.set_result(Answer.of(response))
        return response

    def _forget_old(self) -> None:
        limit = self.clock() - REMEMBER
        while self._answers:
            key, (at, answer) = next(iter(self._answers.items()))
            if at >= limit and len(self._answers) <= CAPACITY:
                break
            if not answer.done() and at >= limit:
                break  # still running: kept until it has an answer
            self._answers.popitem(last=False)
