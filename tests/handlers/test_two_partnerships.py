"""Two partnerships in one database: nothing of one is seen, changed or told from the other.

Every verb in the registry is run by people of Lakeside (B) aimed at Riverside's (A) ids and
people, and must answer exactly as it answers for an id or a person that does not exist, leave
every row of A as it was, and tell nobody in A. New verbs are covered as they are registered:
the test builds each verb's command from its own example, putting A's ids where the verb's
target names a row.
"""

from __future__ import annotations

import re

import pytest

from handlers.core import REGISTRY, Verb
from handlers.dispatch import Dispatcher
from models.escalations import Escalation
from models.meetings import Meeting, Paper
from models.partnership import Member
from models.work import Action, DataReturn
from tests.worlds import SHARED, TwoPartnerships, two_partnerships

MISSING_ID = 987654
MISSING_EMAIL = "nobody.here@nowhere.example"
# People of B: the business manager, the ARG chair, a member, a practitioner, and the lead in both.
B_PEOPLE = ["priya.shah@bu.example.net", "helen.carter@council.example.net", "aisha.rahman@housing.example.net",
            "jo.walsh@community.example.net", SHARED]
A_EMAIL = "rachel.green@icb.example.org"  # someone only in A
KIND_WORDS = {"action": Action, "return": DataReturn, "paper": Paper, "meeting": Meeting, "escalation": Escalation}
# Lines that name an id of a kind the verb's example does not show.
EXTRA_LINES = [
    "paper add arg meeting={Meeting} owner=" + A_EMAIL + " Title",
    "attended {Meeting} " + A_EMAIL + " yes",
    "snooze return {DataReturn} week",
    "snooze paper {Paper} day",
    "action update {Action} progress",
    "escalation close {Escalation} resolved",
    "escalation assign {Escalation} " + A_EMAIL,
]


@pytest.fixture
def world(engine, clock) -> TwoPartnerships:
    return two_partnerships(engine, clock.now().date())


@pytest.fixture
def chat_b(world, clock):
    """Chat as B's people, recording every notice sent."""
    from tests.conftest import Chat

    chat = Chat(Dispatcher(world.engine, clock=clock))

    async def notify(member, reply):
        chat.sent.append((member, reply))

    chat.dispatcher.notify = notify
    return chat


def kind_of(verb: Verb, words: list[str], index: int) -> type | None:
    """Which table the number at words[index] names: the word before it, or the verb's target."""
    before = words[index - 1].lower() if index else ""
    if before in KIND_WORDS:
        return KIND_WORDS[before]
    return verb.target.kind if verb.target is not None else None


def aimed(verb: Verb, line: str, ids: dict[type, int], email: str) -> str:
    """The line with each number replaced by an id of its kind, and each email by `email`."""
    words = line.split()
    for index, word in enumerate(words):
        kind = kind_of(verb, words, index) if word.isdigit() else None
        if kind in ids:
            words[index] = str(ids[kind])
        elif "@" in word:
            words[index] = re.sub(r"[\w.+-]+@[\w.-]+\.\w+", email, word)
    return " ".join(words)


def lines_for(world: TwoPartnerships) -> list[tuple[str, str]]:
    """(aimed at A, aimed at nothing) for every verb, from its example, plus the extra lines."""
    a_ids = {kind: ids[0] for kind, ids in world.a_ids.items() if ids}
    missing = {kind: MISSING_ID for kind in a_ids}
    pairs = []
    for verb in REGISTRY.values():
        example = verb.example.split(None, len(verb.name.split()))
        rest = example[-1] if len(example) > len(verb.name.split()) else ""
        pairs.append((f"{verb.name} {aimed(verb, rest, a_ids, A_EMAIL)}".strip(),
                      f"{verb.name} {aimed(verb, rest, missing, MISSING_EMAIL)}".strip()))
    for line in EXTRA_LINES:
        pairs.append((line.format(**{k.__name__: v for k, v in a_ids.items()}),
                      line.format(**{k.__name__: MISSING_ID for k in a_ids}).replace(A_EMAIL, MISSING_EMAIL)))
    return pairs


def a_markers(world: TwoPartnerships) -> list[str]:
    from sqlmodel import select

    from models.db import session_for

    with session_for(world.engine) as session:
        emails = session.exec(select(Member.email).where(Member.partnership_id == world.a.id,
                                                         Member.email != SHARED)).all()
    examples = " ".join(verb.example for verb in REGISTRY.values())  # help shows these to everyone
    return ["[A]", "Riverside", *(email for email in emails if email not in examples)]


def words_of(reply) -> str:
    parts = [reply.title or "", reply.text]
    for item in reply.items:
        parts.append(item.text)
        parts += [f"{k} {v}" for k, v in item.fields]
        parts += [b.command for b in item.buttons]
    parts += [f"{k} {v}" for k, v in reply.fields]
    parts += [b.command for b in reply.buttons]
    return "\n".join(parts)


def test_every_verb_is_walked_from_an_example_that_runs_it(world):
    """The walk below builds each registered verb's command from its example (so a new verb is
    covered when it is added); the example must name the verb it is for."""
    walked = {at_a for at_a, _ in lines_for(world)}
    for verb in REGISTRY.values():
        assert verb.example.startswith(verb.name + " ") or verb.example == verb.name, verb.name
        assert any(line == verb.name or line.startswith(verb.name + " ") for line in walked), verb.name


async def test_a_member_of_b_aiming_at_a_finds_nothing_changes_nothing_and_tells_nobody_there(world, chat_b):
    before = world.snapshot(world.a)
    a_people = world.members_of(world.a)
    markers = a_markers(world)
    checked = 0
    for at_a, at_nothing in lines_for(world):
        for email in B_PEOPLE:
            into_a = await chat_b(email, at_a, partnership="lakeside")
            into_nothing = await chat_b(email, at_nothing, partnership="lakeside")
            said = words_of(into_a)
            shown = said.replace(A_EMAIL, "")  # what they typed may be echoed back; nothing else of A
            assert not [m for m in markers if m in shown], f"{email}: `{at_a}` showed A's: {said}"
            normalised = said.replace(A_EMAIL, MISSING_EMAIL)
            for number in re.findall(r"\d+", at_a):
                normalised = re.sub(rf"(?<!\d){number}(?!\d)", str(MISSING_ID), normalised)
            if at_a != at_nothing and (into_a.is_error or into_nothing.is_error):  # sent twice, a line may repeat
                assert normalised == words_of(into_nothing).replace(A_EMAIL, MISSING_EMAIL), \
                    f"{email}: `{at_a}` answered unlike `{at_nothing}`"
            checked += 1
    assert world.snapshot(world.a) == before
    assert [member.email for member, _reply in chat_b.sent if member.id in a_people] == []
    assert checked >= len(REGISTRY) * len(B_PEOPLE)


async def test_the_lead_in_both_partnerships_is_a_different_member_in_each(world, chat_b):
    in_a = await chat_b(SHARED, "whoami", partnership="riverside")
    in_b = await chat_b(SHARED, "whoami", partnership="lakeside")
    assert "Riverside" in in_a.text and "Lakeside" not in in_a.text
    assert "Lakeside" in in_b.text and "Riverside" not in in_b.text
    ambiguous = await chat_b(SHARED, "whoami")
    assert ambiguous.is_error and "--partnership" in ambiguous.text


async def test_an_escalation_raised_in_a_goes_to_a_handlers_only(world, chat_b):
    reply = await chat_b("jo.walsh@community.example.org", "escalate routine capacity: caseloads above safe level",
                         partnership="riverside")
    assert reply.changed
    told = {member.email for member, _notice in chat_b.sent}
    assert told == {"priya.shah@bu.example.org", "emma.clarke@bu.example.org", "helen.carter@council.example.org",
                    "amara.okafor@icb.example.org"}
    assert "example.net" not in reply.text and "Lakeside" not in reply.text


async def test_each_business_unit_lists_only_its_own_escalations(world, chat_b):
    a_list = await chat_b("priya.shah@bu.example.org", "escalations", partnership="riverside")
    b_list = await chat_b("priya.shah@bu.example.net", "escalations", partnership="lakeside")
    assert a_list.items and all("Riverside" in dict(item.fields)["Raised by"] for item in a_list.items)
    assert b_list.items and all("Lakeside" in dict(item.fields)["Raised by"] for item in b_list.items)


async def test_an_action_cannot_be_given_to_someone_in_the_other_partnership(world, chat_b):
    reply = await chat_b("priya.shah@bu.example.net", f"action add owner={A_EMAIL} due=2027-01-29 Do it",
                         partnership="lakeside")
    assert reply.is_error and "is not a member of the partnership" in reply.text
    assert chat_b.sent == []


def test_each_partnerships_digests_carry_only_its_own_items_and_go_to_its_own_people(world, clock):
    from datetime import timedelta

    from messages.plain import render_plain
    from models.db import session_for
    from schedules.digest import sweep

    a_people, b_people = world.members_of(world.a), world.members_of(world.b)
    seen = 0
    for offset in range(0, 14):  # two weeks of digests, Mondays' by-exception lines included
        day = clock.now().date() + timedelta(days=offset)
        with session_for(world.engine) as session:
            found = sweep(session, on=day)
            for digest in found.digests:
                words = render_plain(digest.reply)
                if digest.member.id in b_people:
                    assert "[A]" not in words and "Riverside" not in words, words
                else:
                    assert digest.member.id in a_people
                    assert "[B]" not in words and "Lakeside" not in words, words
                seen += 1
    assert seen > 0


async def test_reports_cover_only_the_partnership_that_asks(world, chat_b):
    for kind in ("escalations", "actions", "returns", "attendance arg"):
        reply = await chat_b("priya.shah@bu.example.net", f"report {kind}", partnership="lakeside")
        assert not reply.is_error, reply.text
        for file in reply.files:
            if file.filename.endswith(".csv"):
                text = file.data.decode("utf-8-sig")
                assert "[A]" not in text and "Riverside" not in text and "@council.example.org" not in text


def test_a_group_already_loaded_is_used_again_only_if_it_is_the_partnerships_own(world, clock):
    """find_group takes a group the request has loaded instead of asking again, by its exact key,
    and never one of the other partnership's that happens to be in the session."""
    from types import SimpleNamespace

    from sqlmodel import select

    from handlers.common import find_group
    from models.db import session_for
    from models.groups import Group

    with session_for(world.engine) as session:
        a_arg = session.exec(select(Group).where(Group.partnership_id == world.a.id, Group.key == "arg")).one()
        scope = world.scope(world.b)
        scope.bind(session)
        ctx = SimpleNamespace(session=session, scope=scope)
        b_arg = find_group(ctx, "arg")
        assert b_arg is not None and b_arg.partnership_id == world.b.id and b_arg.id != a_arg.id
        session.info.pop("assurebot.group_keys")  # asked afresh: the loaded B group is taken, A's never
        assert find_group(ctx, "ARG ") is b_arg
