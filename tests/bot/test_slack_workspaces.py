"""One AssureBot serving two partnerships' Slack workspaces: each request is its workspace's
partnership's, a Slack id means someone only within that partnership, and a workspace no
partnership owns is politely refused and noted in the audit trail."""

import time

import pytest
from sqlmodel import select

from bot.slack.workspaces import WORKSPACE_TTL, Workspaces

from models.audit import AuditEvent
from models.db import session_for
from models.partnership import Member, Partnership
from tests.fakes.slack_workspace import start_workspace
from tests.worlds import A_TEAM, B_TEAM, two_partnerships


def texts(body) -> str:
    import json

    return json.dumps(body)


def link(engine, email: str, partnership_key: str, slack_id: str) -> None:
    """Give the member of that partnership a Slack id."""
    with session_for(engine) as session:
        member = session.exec(select(Member).join(Partnership, Partnership.id == Member.partnership_id)
                              .where(Member.email == email, Partnership.key == partnership_key)).one()
        member.slack_user_id = slack_id
        session.add(member)
        session.commit()


@pytest.fixture
async def workspaces(engine, clock):
    two_partnerships(engine, clock.now().date())
    workspace = await start_workspace(engine, clock)
    yield workspace
    await workspace.settled()
    await workspace.client.close()
    await workspace.fake.stop()


async def test_the_same_slack_id_in_two_workspaces_is_each_partnerships_own_member(workspaces, engine):
    # Enterprise Grid gives a person one user id across the organisation's workspaces.
    link(engine, "mark.evans@police.example.org", "riverside", "U0MARK")
    link(engine, "mark.evans@police.example.org", "lakeside", "U0MARK")
    workspaces.team = A_TEAM
    in_a = texts(await workspaces.ack_json(await workspaces.command("U0MARK", "whoami")))
    workspaces.team = B_TEAM
    in_b = texts(await workspaces.ack_json(await workspaces.command("U0MARK", "whoami")))
    assert "Riverside" in in_a and "Lakeside" not in in_a
    assert "Lakeside" in in_b and "Riverside" not in in_b


async def test_a_business_manager_in_one_workspace_sees_only_her_partnerships_escalations(workspaces, engine):
    link(engine, "priya.shah@bu.example.net", "lakeside", "U0PRIYA")
    workspaces.team = B_TEAM
    said = texts(await workspaces.ack_json(await workspaces.command("U0PRIYA", "escalations")))
    assert "Lakeside" in said and "[A]" not in said and "Riverside" not in said


async def test_a_workspace_no_partnership_owns_is_refused_and_noted(workspaces, engine):
    workspaces.team = "T0ELSEWHERE"
    said = texts(await workspaces.ack_json(await workspaces.command("U0ANYONE", "escalations")))
    assert "isn't linked to a partnership in AssureBot" in said
    assert "[A]" not in said and "[B]" not in said
    await workspaces.settled()
    assert [c.method for c in workspaces.fake.calls if c.method != "auth.test"] == []  # nobody was looked up
    with session_for(engine) as session:
        noted = session.exec(select(AuditEvent).where(AuditEvent.action == "access.unknown_partnership")).one()
    assert noted.after["slack_team"] == "T0ELSEWHERE" and noted.partnership_id is None


async def test_a_partnerships_workspace_loaded_again_is_used_without_restarting(engine, clock, monkeypatch):
    two_partnerships(engine, clock.now().date())
    places = Workspaces("http://127.0.0.1:9/api/", engine, installations=object())  # installing by OAuth
    with session_for(engine) as session:
        place = session.exec(select(Partnership).where(Partnership.slack_team_id == A_TEAM)).one()
    assert (await places.workspace_of(place.id))[0] == A_TEAM
    with session_for(engine) as session:
        moved = session.get(Partnership, place.id)
        moved.slack_team_id = "T0MOVED"
        session.add(moved)
        session.commit()
    assert (await places.workspace_of(place.id))[0] == A_TEAM  # read a moment ago
    later = time.monotonic() + WORKSPACE_TTL
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert (await places.workspace_of(place.id))[0] == "T0MOVED"
