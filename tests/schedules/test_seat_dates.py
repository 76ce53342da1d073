"""The weekly by-exception report counts a seat only at the meetings held while it was held; the
attendance asks and the quorum forecast go to the seats held on the meeting's day."""

from datetime import date

from sqlmodel import select

from models.groups import Membership
from models.meetings import Answer
from tests import factories
from tests.schedules.builders import a_meeting, digests, town

MONDAY = date(2026, 11, 23)


def seat(session, group, member) -> Membership:
    return session.exec(select(Membership).where(Membership.group_id == group.id,
                                                 Membership.member_id == member.id)).one()


def test_someone_seated_after_the_last_meetings_is_not_reported_as_missing_them(session):
    t = town(session)
    newcomer = factories.member(session, t.police, "Kate Newcomer")
    row = factories.seat(session, t.arg, newcomer)
    row.since = date(2026, 11, 20)  # after both meetings below
    session.add(row)
    leaver = factories.member(session, t.icb, "Lee Leaver")
    row = factories.seat(session, t.arg, leaver)
    row.until = date(2026, 10, 31)  # left between them
    session.add(row)
    session.commit()
    for day in (date(2026, 10, 8), date(2026, 11, 12)):
        meeting = a_meeting(session, t.arg, day)
        for member in (t.chair, t.nurse):  # who came is recorded: the others were not there
            row = factories.answer(session, meeting, member, Answer.ATTENDING.value)
            row.attended = True
            session.add(row)
        session.commit()

    report = digests(session, MONDAY)["Helen Chair"]

    missed = sorted(i.text for i in report.items if i.key.startswith("missed:"))
    assert missed == [f"Mark Officer (POLICE{t.partnership.id}) missed the last 2 ARG meetings without a deputy"]


def test_the_asks_and_the_forecast_are_for_the_seats_held_on_the_meetings_day(session):
    t = town(session)
    leaving = seat(session, t.arg, t.officer)
    leaving.until = date(2026, 11, 30)  # gone before the meeting on Mon 7 Dec
    session.add(leaving)
    joining = factories.member(session, t.icb, "Joan Joiner")
    row = factories.seat(session, t.arg, joining)
    row.since = date(2026, 11, 24)  # joins tomorrow, before the meeting
    session.add(row)
    session.commit()
    a_meeting(session, t.arg, date(2026, 12, 7))  # ten working days after Mon 23 Nov: the first ask

    day = digests(session, MONDAY)

    assert "Mark Officer" not in day  # not asked about a meeting after his seat ends
    assert any(i.key.startswith("meeting:") for i in day["Joan Joiner"].items)
