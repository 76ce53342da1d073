"""How fast `assurebot serve` acknowledges Slack's /assure commands, against a bare bolt app that only acks.

    .venv/bin/python bench/slack_commands.py [--requests 2000] [--concurrency 50] [--members 5000]
                                              [--actions 50000] [--max-seconds 600]

It builds a SQLite partnership of 5,000 members and 50,000 actions (the demo partnership plus
synthetic agencies, groups, meetings, answers, returns and escalations), starts a fake Slack Web
API, `assurebot serve` and a bare bolt app (each its own process, on 127.0.0.1 only), then from
this process sends signed /assure commands (a mix of quorum, actions, returns and escalate) at 50
at a time, to each server in turn. It prints:

  ack p50/p95/p99   time from sending the command to the HTTP answer (Slack's 3-second ack)
  answer p50/p95/p99  time until the user has the answer: the ack itself when it carried it, else
                    the message posted to the response_url afterwards
  ratio             our ack p99 divided by the bare bolt app's ack p99

Then it sends a round of quick commands alone, and the same round again while five `actions all`
and an attendance report run beside it, and prints last the two ratios the figures are held to:
the quick commands' answer p99 against bare bolt's ack p99, and their answer p99 beside the heavy
commands against alone.

Requests and time are bounded; it asserts nothing. The figures are for reading.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"  # loopback only
BOT_TOKEN = "xoxb-bench-not-real"
SIGNING_SECRET = "bench-signing-secret-not-real"
TEAM_ID = "T0RIVER"  # the workspace the fake Web API says the bot token is for (its auth.test)
# What a person turned away is told: quick to say, and not an answer.
REFUSALS = (b"isn't linked to a partnership", b"couldn't check with Slack", b"not registered with AssureBot")
MIX = (("quorum", 25), ("actions", 35), ("returns", 25), ("escalate", 15))


# --- the partnership -------------------------------------------------------------------------

@dataclass
class Partnership:
    """Who can ask what: members with Slack ids, and the groups each sits on."""

    members: list[str] = field(default_factory=list)  # Slack user ids
    seats: list[tuple[str, str]] = field(default_factory=list)  # (Slack user id, group key)


def build_database(path: Path, *, members: int, actions: int, seed: int = 7) -> Partnership:
    """The demo partnership grown to `members` members and `actions` open and closed actions."""
    from sqlalchemy import insert, select

    from bot.demo import demo_yaml
    from models.db import make_engine, migrate, session_for
    from models.escalations import Escalation, EscalationStageChange
    from models.groups import Group, Membership
    from models.loader import load_text
    from models.meetings import AttendanceAnswer, Meeting
    from models.partnership import Agency, Member
    from models.work import Action, DataReturn

    rng = random.Random(seed)
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    today = date.today()
    now = datetime.now(timezone.utc)
    with session_for(engine) as session:
        load_text(demo_yaml(today), session=session)
        partnership_id = session.execute(select(Agency.partnership_id)).scalars().first()
        demo_members = session.execute(select(Member.id, Member.agency_id)).all()
        for member_id, _ in demo_members:
            session.execute(Member.__table__.update().where(Member.id == member_id).values(
                slack_user_id=f"UD{member_id:05d}", preferred_platform="slack"))
        agencies = [{"partnership_id": partnership_id, "key": f"school{n:02d}", "name": f"Riverside School {n:02d}"}
                    for n in range(39)]
        session.execute(insert(Agency), agencies)
        agency_ids = session.execute(select(Agency.id)).scalars().all()
        new_members = [{"partnership_id": partnership_id, "email": f"member{n:05d}@bench.example.org",
                        "name": f"Bench Member {n:05d}",
                        "agency_id": rng.choice(agency_ids), "slack_user_id": f"UB{n:05d}",
                        "preferred_platform": "slack", "is_admin": False, "active": True,
                        "teams_unreachable": False, "created_at": now}
                       for n in range(members - len(demo_members))]
        session.execute(insert(Member), new_members)
        people = session.execute(select(Member.id, Member.agency_id, Member.slack_user_id)).all()
        agency_keys = dict(session.execute(select(Agency.id, Agency.key)).all())

        groups = [{"partnership_id": partnership_id, "key": f"g{n:02d}", "name": f"Subgroup {n:02d}",
                   "quorum": {"min_agencies": 3}, "papers_notice_working_days": 5, "clear_days": False,
                   "deputies_count": True, "handles_escalations": False, "minutes_within_days": 14}
                  for n in range(28)]
        session.execute(insert(Group), groups)
        group_rows = session.execute(select(Group.id, Group.key)).all()
        seats, answers, meetings = [], [], []
        partnership = Partnership(members=[p.slack_user_id for p in people])
        existing = set(session.execute(select(Membership.group_id, Membership.member_id)).all())
        for group_id, key in group_rows:
            if key.startswith("g"):
                chosen = rng.sample(people, 20)
                for n, person in enumerate(chosen):
                    seats.append({"group_id": group_id, "member_id": person.id,
                                  "role": "chair" if n == 0 else "member"})
                    existing.add((group_id, person.id))
            meetings.append({"group_id": group_id, "status": "scheduled", "location": "Online",
                             "starts_at": now + timedelta(days=10 + group_id % 20)})
        session.execute(insert(Membership), seats)
        session.execute(insert(Meeting), meetings)
        slack_of = {p.id: p.slack_user_id for p in people}
        partnership.seats = [(slack_of[m], key) for g, m in existing for gid, key in group_rows if gid == g]
        meeting_of = dict(session.execute(select(Meeting.group_id, Meeting.id).where(Meeting.starts_at > now)).all())
        for group_id, member_id in existing:
            if rng.random() < 0.5 and group_id in meeting_of:
                answers.append({"meeting_id": meeting_of[group_id], "member_id": member_id,
                                "answer": rng.choice(["attending", "attending", "apologies"]), "answered_at": now})
        session.execute(insert(AttendanceAnswer).prefix_with("OR IGNORE"), answers)

        action_rows = []
        for n in range(actions):
            owner = rng.choice(people)
            status = "open" if rng.random() < 0.7 else "done"
            action_rows.append({"title": f"Bench action {n}: review the {rng.choice(['neglect', 'S11', 'CSPR'])} plan",
                                "owner_id": owner.id, "agency_id": owner.agency_id, "source": "Bench audit",
                                "due_date": today + timedelta(days=rng.randint(-60, 90)), "status": status,
                                "completed_at": now if status == "done" else None, "created_at": now})
        for start in range(0, len(action_rows), 5000):
            session.execute(insert(Action), action_rows[start:start + 5000])
        owners_by_agency: dict[int, int] = {}
        for person in people:
            owners_by_agency.setdefault(person.agency_id, person.id)
        session.execute(insert(DataReturn), [
            {"agency_id": agency_id, "owner_id": owner_id, "title": f"Dataset {agency_keys[agency_id]} Q{q}",
             "kind": "dataset", "period": f"Q{q}", "due_date": today + timedelta(days=30 * q - 45)}
            for agency_id, owner_id in owners_by_agency.items() for q in range(1, 5)])
        raised = []
        for n in range(200):
            person = rng.choice(people)
            raised.append({"raised_by_id": person.id, "agency_id": person.agency_id, "raised_at": now,
                           "category": "capacity", "urgency": "routine", "summary": f"Bench concern {n}",
                           "stage": 1, "stage_entered_at": now, "immediate_risk_advised": False})
        session.execute(insert(Escalation), raised)
        session.execute(insert(EscalationStageChange), [
            {"escalation_id": e, "stage": 1, "entered_at": now}
            for e in session.execute(select(Escalation.id)).scalars().all()])
        session.commit()
    engine.dispose()
    return partnership


# --- the processes ---------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start(args: list[str], *, env: dict[str, str], log: Path, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(args, env=env, cwd=cwd, stdout=log.open("w"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def wait_until_up(url: str, *, seconds: float = 60) -> None:
    import aiohttp

    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(url) as response:
                    if response.status < 500:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit(f"{url} did not come up within {seconds:.0f} s")


def bare_server(port: int, api_url: str) -> None:
    """A bolt app that only acknowledges /assure, served the same way (aiohttp, one route)."""
    from aiohttp import web
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.app.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    bolt = AsyncApp(client=AsyncWebClient(token=BOT_TOKEN, base_url=api_url), signing_secret=SIGNING_SECRET)

    @bolt.command("/assure")
    async def only_ack(ack):
        await ack()

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/slack/events", events)
    app.router.add_get("/healthz", healthz)
    web.run_app(app, host=HOST, port=port, print=None, access_log=None)


# --- the load --------------------------------------------------------------------------------

def signed(fields: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    body = urlencode(fields)
    timestamp = str(int(time.time()))
    signature = "v0=" + hmac.new(SIGNING_SECRET.encode(), f"v0:{timestamp}:{body}".encode(),
                                 hashlib.sha256).hexdigest()
    return body.encode(), {"Content-Type": "application/x-www-form-urlencoded",
                           "X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}


def commands(partnership: Partnership, count: int, seed: int) -> list[tuple[str, str]]:
    """(Slack user id, text) pairs in the mix: quorum by someone on the group, the rest by anyone."""
    rng = random.Random(seed)
    verbs = [verb for verb, weight in MIX for _ in range(weight)]
    chosen = []
    for n in range(count):
        verb = rng.choice(verbs)
        if verb == "quorum":
            user, group = rng.choice(partnership.seats)
            chosen.append((user, f"quorum {group}"))
        elif verb == "escalate":
            chosen.append((rng.choice(partnership.members), f"escalate routine capacity: bench concern {seed}-{n}"))
        else:
            chosen.append((rng.choice(partnership.members), verb))
    return chosen


@dataclass
class Result:
    ack: list[float] = field(default_factory=list)  # seconds
    answer: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    later: dict[str, float] = field(default_factory=dict)  # response_url key -> wall time sent
    refused: int = 0  # answers that turned the person away instead of answering (they would flatter the figures)


async def send_all(url: str, fake_url: str, run: str, work: list[tuple[str, str]], concurrency: int,
                   deadline: float) -> Result:
    import aiohttp

    result = Result()
    queue: asyncio.Queue = asyncio.Queue()
    for n, item in enumerate(work):
        queue.put_nowait((n, item))

    async def worker(session: aiohttp.ClientSession) -> None:
        while time.monotonic() < deadline:
            try:
                n, (user, text) = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            key = f"{run}-{n}"
            body, headers = signed({
                "token": "legacy", "team_id": TEAM_ID, "team_domain": "bench", "channel_id": f"D{user}",
                "channel_name": "directmessage", "user_id": user, "user_name": user.lower(), "command": "/assure",
                "text": text, "api_app_id": "A0BENCH", "is_enterprise_install": "false",
                "response_url": f"{fake_url}/respond/{key}", "trigger_id": f"{key}.trigger"})
            sent_wall, started = time.time(), time.perf_counter()
            async with session.post(url, data=body, headers=headers) as response:
                answer = await response.read()
            elapsed = time.perf_counter() - started
            result.ack.append(elapsed)
            result.statuses[response.status] = result.statuses.get(response.status, 0) + 1
            if any(words in answer for words in REFUSALS):
                result.refused += 1
            if answer.strip():
                result.answer.append(elapsed)
            else:
                result.later[key] = sent_wall

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
    return result


async def collect_later(fake_url: str, result: Result, deadline: float) -> int:
    """Add the time to each answer that came by response_url; how many never came before the deadline."""
    import aiohttp

    waiting = dict(result.later)
    async with aiohttp.ClientSession() as session:
        while waiting and time.monotonic() < deadline:
            async with session.get(f"{fake_url}/_calls", params={"method": "response_url"}) as response:
                calls = await response.json()
            for call in calls:
                if call["key"] in waiting:
                    result.answer.append(call["at"] - waiting.pop(call["key"]))
            if waiting:
                await asyncio.sleep(0.5)
    return len(waiting)


def percentiles(values: list[float]) -> tuple[float, float, float]:
    if len(values) < 2:
        return (values[0],) * 3 if values else (float("nan"),) * 3
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def ms(values: tuple[float, float, float]) -> str:
    return " / ".join(f"{v * 1000:7.1f}" for v in values)


QUICK = ("quorum", "actions", "returns")
HEAVY = [("UD00001", "actions all")] * 5 + [("UD00003", "report attendance arg")]  # the business manager, the chair


async def beside_heavy(url: str, fake_url: str, partnership: Partnership, args, deadline: float
                       ) -> tuple[Result, Result]:
    """Quick commands alone, then the same beside five `actions all` and a report."""
    quick = [c for c in commands(partnership, args.requests, seed=900) if c[1].split()[0] in QUICK][:500]
    alone = await send_all(url, fake_url, "alone", quick, args.concurrency, deadline)
    await collect_later(fake_url, alone, time.monotonic() + args.answer_wait)
    heavy = asyncio.create_task(send_all(url, fake_url, "heavy", HEAVY, len(HEAVY), deadline))
    beside = await send_all(url, fake_url, "beside", quick, args.concurrency, deadline)
    await collect_later(fake_url, beside, time.monotonic() + args.answer_wait)
    await heavy
    return alone, beside


async def measure(targets: dict[str, str], fake_url: str, partnership: Partnership, args,
                  deadline: float, *, answering: set[str]) -> dict[str, Result]:
    """Send the same commands to each server in alternating rounds, so both meet the same machine load.
    Before the next round starts, every answer of the last one must have arrived: one server's
    unfinished work never slows the other's round."""
    results = {name: Result() for name in targets}
    for name, url in targets.items():
        warm = await send_all(url, fake_url, f"{name}-warm", commands(partnership, args.warmup, seed=5),
                              args.concurrency, deadline)
        if name in answering:
            await collect_later(fake_url, warm, time.monotonic() + args.answer_wait)
    per_round = max(1, args.requests // args.rounds)
    order = list(targets.items())
    for round_number in range(args.rounds):
        work = commands(partnership, per_round, seed=100 + round_number)
        for name, url in (order if round_number % 2 == 0 else order[::-1]):
            part = await send_all(url, fake_url, f"{name}-{round_number}", work, args.concurrency, deadline)
            missing = await collect_later(fake_url, part, time.monotonic() + args.answer_wait) \
                if name in answering else 0
            if missing:
                print(f"  {name}: {missing} answers had not arrived {args.answer_wait:.0f} s after round "
                      f"{round_number + 1}")
            result = results[name]
            result.ack += part.ack
            result.answer += part.answer
            result.later.update(part.later)
            result.refused += part.refused
            for status, n in part.statuses.items():
                result.statuses[status] = result.statuses.get(status, 0) + n
    return results


async def main_async(args) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="assurebot-bench-"))
    deadline = time.monotonic() + args.max_seconds
    processes: list[subprocess.Popen] = []
    try:
        print(f"Building the partnership ({args.members:,} members, {args.actions:,} actions) in SQLite...")
        built = time.perf_counter()
        partnership = build_database(workdir / "bench.db", members=args.members, actions=args.actions)
        print(f"  built in {time.perf_counter() - built:.1f} s")

        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "DATABASE_"))}
        fake_port, ours_port, bare_port = free_port(), free_port(), free_port()
        fake_url = f"http://{HOST}:{fake_port}"
        python = sys.executable
        processes.append(start([python, "-m", "tests.fakes.slack_api", "--port", str(fake_port),
                                "--token", BOT_TOKEN], env={**env, "PYTHONPATH": str(ROOT)},
                               log=workdir / "fake.log", cwd=ROOT))
        await wait_until_up(f"{fake_url}/_calls")
        slack_env = {**env, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                     "SLACK_API_URL": f"{fake_url}/api/", "LOG_LEVEL": "WARNING",
                     "REMINDER_TIME": "23:59"}  # the daily digests are not what is measured here
        assurebot = str(Path(python).with_name("assurebot"))
        processes.append(start([assurebot, "serve", "--db", str(workdir / "bench.db"), "--host", HOST,
                                "--port", str(ours_port)], env=slack_env, log=workdir / "serve.log", cwd=workdir))
        processes.append(start([python, str(Path(__file__).resolve()), "--bare-server", str(bare_port),
                                "--api-url", f"{fake_url}/api/"], env=env, log=workdir / "bare.log", cwd=workdir))
        await wait_until_up(f"http://{HOST}:{ours_port}/healthz")
        await wait_until_up(f"http://{HOST}:{bare_port}/healthz")

        print(f"Sending {args.requests:,} signed /assure commands to each, {args.concurrency} at a time "
              f"(after {args.warmup} to warm up); mix: " + ", ".join(f"{v} {w}%" for v, w in MIX))
        results = await measure({"bare": f"http://{HOST}:{bare_port}/slack/events",
                                 "ours": f"http://{HOST}:{ours_port}/slack/events"}, fake_url, partnership, args,
                                deadline, answering={"ours"})
        bare, ours = results["bare"], results["ours"]

        print()
        print(f"{'':24} {'requests':>8}  {'ack p50 / p95 / p99 (ms)':>28}  {'answer p50 / p95 / p99 (ms)':>30}")
        for name, result in (("bare bolt (ack only)", bare), ("assurebot serve", ours)):
            answer = ms(percentiles(result.answer)) if name != "bare bolt (ack only)" else "-"
            print(f"{name:24} {len(result.ack):>8}  {ms(percentiles(result.ack)):>28}  {answer:>30}")
        in_ack = len(ours.ack) - len(ours.later)
        print(f"\nassurebot answered {in_ack} of {len(ours.ack)} in the ack itself and {len(ours.later)} by "
              f"response_url ({ours.refused} of them turning the person away); HTTP statuses: ours {ours.statuses}, "
              f"bare {bare.statuses}")
        ratio = percentiles(ours.ack)[2] / percentiles(bare.ack)[2]
        print(f"ratio of ack p99 (assurebot / bare bolt): {ratio:.2f}")

        alone, beside = await beside_heavy(f"http://{HOST}:{ours_port}/slack/events", fake_url, partnership, args,
                                           deadline)
        print(f"\nquick commands alone:                       answer p50 / p95 / p99 "
              f"{ms(percentiles(alone.answer))} ms ({len(alone.later)} of {len(alone.ack)} by response_url)")
        print(f"the same beside 5 `actions all` and a report: answer p50 / p95 / p99 "
              f"{ms(percentiles(beside.answer))} ms ({len(beside.later)} of {len(beside.ack)} by response_url)")
        bare_p99 = percentiles(bare.ack)[2]
        print(f"ratio quick answer p99 / bare bolt ack p99: {percentiles(alone.answer)[2] / bare_p99:.2f}"
              f" (all commands: {percentiles(ours.answer)[2] / bare_p99:.2f})")
        print(f"ratio quick answer p99 beside heavy / alone: "
              f"{percentiles(beside.answer)[2] / percentiles(alone.answer)[2]:.2f}")
    finally:
        for process in reversed(processes):
            stop(process)
        if args.keep:
            print(f"(kept {workdir})")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="measured commands per server")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds per server")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--actions", type=int, default=50000)
    parser.add_argument("--max-seconds", type=float, default=600, help="stop sending after this long")
    parser.add_argument("--answer-wait", type=float, default=180,
                        help="how long to wait for answers sent after the ack")
    parser.add_argument("--keep", action="store_true", help="keep the database and server logs")
    parser.add_argument("--bare-server", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--api-url", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_server is not None:
        bare_server(args.bare_server, args.api_url)
        return
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
