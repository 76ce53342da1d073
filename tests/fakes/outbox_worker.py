"""One AssureBot process sending the outbox to Slack: the production path (outbox, Delivery, the
Slack sender) pointed at the fake Slack API. Run by tests as `python -m tests.fakes.outbox_worker`.

    python -m tests.fakes.outbox_worker DATABASE_URL SLACK_API_URL --lease 2 --send-timeout 0.5

It flushes until nothing is left to send (or --seconds pass), then prints what it sent as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from datetime import timedelta

from aiohttp import web
from sqlalchemy import select

from bot.server import DELIVERY, build_app
from bot.settings import Settings
from bot.slack.setup import SLACK
from models.db import make_engine, session_for
from models.delivery import OutboxMessage, OutboxStatus
from schedules.sending import Pauses, flush, send_through
from tests.fakes.slack_workspace import BOT_TOKEN, SIGNING_SECRET


async def work(args: argparse.Namespace) -> dict:
    engine = make_engine(args.database)
    settings = Settings(_env_file=None, slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
                        slack_api_url=args.slack, slack_send_timeout=args.send_timeout)
    app = build_app(engine, settings=settings)
    assert app[SLACK].workspaces.send_timeout == args.send_timeout
    runner = web.AppRunner(app)
    await runner.setup()
    courier, pauses, sent = send_through(app[DELIVERY]), Pauses(), 0
    deadline = time.monotonic() + args.seconds
    try:
        while time.monotonic() < deadline:
            result = await flush(engine, courier, pauses=pauses, limit=args.batch, concurrency=2,
                                 lease=timedelta(seconds=args.lease), check_again=timedelta(seconds=0.5))
            sent += result.sent
            with session_for(engine) as session:
                left = session.scalars(select(OutboxMessage.id).where(OutboxMessage.status.in_(
                    [OutboxStatus.PENDING.value, OutboxStatus.SENDING.value]))).all()
            if not left:
                break
            await asyncio.sleep(0.2)
    finally:
        await runner.cleanup()
        engine.dispose()
    return {"sent": sent}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database")
    parser.add_argument("slack")
    parser.add_argument("--lease", type=float, default=2.0)
    parser.add_argument("--send-timeout", type=float, default=0.5)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60.0)
    print(json.dumps(asyncio.run(work(parser.parse_args()))), flush=True)


if __name__ == "__main__":
    main()
