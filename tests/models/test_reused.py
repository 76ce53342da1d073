"""Statements built once and run again and again are limited to the partnership of the session
they run on, as every statement is: the saving is in Python, never in what can be read."""

from sqlalchemy import String, bindparam
from sqlmodel import select

from models.db import session_for
from models.partnership import Member
from models.people import member_by_slack_id, person
from models.scope import Scope, reused
from tests.worlds import SHARED, two_partnerships

# No partnership condition of its own: whatever limits it comes from the session it runs on.
EVERY_ADMIN = reused(select(Member.email).where(Member.is_admin).order_by(Member.email))
BY_SLACK_ID = reused(select(Member.partnership_id).where(Member.slack_user_id == bindparam("id", type_=String)))


def test_a_reused_statement_reads_only_the_bound_partnerships_rows_each_time(engine, clock):
    world = two_partnerships(engine, clock.now().date())
    for _ in range(2):  # the second time, the limited statement kept from the first
        for which, domain in ((world.a, ".org"), (world.b, ".net")):
            with world.scope(which).session(engine) as session:
                emails = session.exec(EVERY_ADMIN).all()
            assert emails and all(email.endswith(domain) for email in emails)
    with session_for(engine) as session:  # unbound: the loader's and the sweep's sessions read both
        assert {email.rsplit(".", 1)[1] for email in session.exec(EVERY_ADMIN).all()} == {"org", "net"}


def test_the_same_slack_id_in_two_partnerships_is_each_partnerships_own_member(engine, clock):
    world = two_partnerships(engine, clock.now().date())
    with session_for(engine) as session:
        for which in (world.a, world.b):
            shared = session.exec(select(Member).where(Member.partnership_id == which.id,
                                                       Member.email == SHARED)).one()
            shared.slack_user_id = "U0SHARED"
            session.add(shared)
        session.commit()
    for which in (world.a, world.b):
        scope = world.scope(which)
        with scope.session(engine) as session:
            found = member_by_slack_id("U0SHARED", scope=scope, session=session)
            assert found.partnership_id == which.id
            assert session.exec(BY_SLACK_ID, params={"id": "U0SHARED"}).all() == [which.id]
            seats = person(found, scope=scope, session=session, on=clock.now().date()).seats
            everything = person(found, scope=scope, session=session).seats
            assert seats and seats.keys() <= everything.keys()
            assert all(group_id in _groups_of(engine, which.id) for group_id in everything)


def _groups_of(engine, partnership_id: int) -> set[int]:
    from models.groups import Group

    with session_for(engine) as session:
        return set(session.exec(select(Group.id).where(Group.partnership_id == partnership_id)))


def test_a_scope_of_its_own_is_no_way_round_the_bound_one(engine, clock):
    """person() names its partnership in its statement; run on a session bound to the other
    partnership, both conditions hold, so it finds nothing of either."""
    world = two_partnerships(engine, clock.now().date())
    with session_for(engine) as session:
        mark_in_a = session.exec(select(Member).where(Member.partnership_id == world.a.id,
                                                      Member.email == SHARED)).one()
    with Scope(world.b.id).session(engine) as session:
        found = person(mark_in_a, scope=Scope(world.a.id), session=session)
    assert found.seats == {} and found.deputy_meetings == {} and found.escalation_groups == frozenset()


def test_a_groups_chairs_next_meeting_and_seats_are_read_only_within_its_partnership(engine, clock):
    """The statements built once for `quorum` (chairs, one meeting's seats), beside its next meeting:
    the group's own partnership sees them; the other, asking by the same ids, sees nothing."""
    from datetime import timedelta

    from models.groups import Group
    from models.meetings import next_meeting
    from models.people import chairs_of
    from models.quorum import seats_for

    world = two_partnerships(engine, clock.now().date())
    with session_for(engine) as session:
        arg_a = session.exec(select(Group).where(Group.partnership_id == world.a.id, Group.key == "arg")).one()
    since = clock.now() - timedelta(days=1)
    for _ in range(2):  # again, with the statements kept from the first time
        with world.scope(world.a).session(engine) as session:
            chairs = chairs_of(arg_a, scope=world.scope(world.a), session=session, on=clock.now().date())
            assert [c.name for c in chairs] and all(c.partnership_id == world.a.id for c in chairs)
            meeting = next_meeting(arg_a.id, scope=world.scope(world.a), session=session, since=since)
            assert meeting is not None and meeting.group_id == arg_a.id
            seats = seats_for([(meeting, meeting.starts_at.date())], scope=world.scope(world.a), session=session)
            assert seats[meeting.id] and {s.agency_key for s in seats[meeting.id]}
        with world.scope(world.b).session(engine) as session:
            scope_b = world.scope(world.b)
            assert chairs_of(arg_a, scope=scope_b, session=session, on=clock.now().date()) == []
            assert chairs_of(arg_a, scope=scope_b, session=session) == []
            assert next_meeting(arg_a.id, scope=scope_b, session=session, since=since) is None
            assert seats_for([(meeting, meeting.starts_at.date())], scope=scope_b, session=session) == {meeting.id: []}
