"""The days a seat runs, as the partnership file and the members import give them."""

from datetime import date

import pytest
from sqlmodel import Session, select

from models.db import session_for
from models.groups import Membership
from models.imports import Importer, run_import, the_partnership
from models.loader import LoadError, load_text
from models.partnership import Member
from tests.conftest import DEFAULT_NOW
from tests.models.test_imports import csv_file

FILE = """\
partnership: {key: northshire, name: Northshire Partnership, timezone: Europe/London}
agencies: [{key: la, name: Northshire Council}, {key: police, name: Northshire Police}]
members:
  - {email: chair@council.example.org, name: Ann Chair, agency: la}
  - {email: cop@police.example.org, name: Bob Cop, agency: police}
  - {email: new@police.example.org, name: Nia New, agency: police}
groups:
  - key: arg
    name: Assurance and Review Group
    quorum: {all_of: [la, police]}
    members:
      - {email: chair@council.example.org, role: chair}
      - {email: cop@police.example.org, since: 2026-04-01, until: 31/03/2027}
"""


def seats(engine) -> dict[str, tuple[date | None, date | None]]:
    with Session(engine) as session:
        return {email: (since, until) for email, since, until in session.exec(
            select(Member.email, Membership.since, Membership.until).join(Membership,
                                                                          Membership.member_id == Member.id))}


def test_the_file_gives_a_seats_days_and_a_seat_added_later_starts_the_day_it_is_loaded(engine):
    with Session(engine) as session:
        load_text(FILE, session=session, today=date(2026, 11, 23))
    assert seats(engine) == {"chair@council.example.org": (None, None),  # held all along, with the group
                             "cop@police.example.org": (date(2026, 4, 1), date(2027, 3, 31))}

    later = FILE + "      - {email: new@police.example.org}\n"
    with Session(engine) as session:
        load_text(later, session=session, today=date(2026, 12, 1))
    with Session(engine) as session:
        again = load_text(later, session=session, today=date(2027, 1, 4))
    assert seats(engine)["new@police.example.org"] == (date(2026, 12, 1), None)
    assert again.created == {} and again.updated == {}  # loading it again changes nothing

    ended = later.replace("{email: new@police.example.org}", "{email: new@police.example.org, until: 2027-02-28}")
    with Session(engine) as session:
        load_text(ended, session=session, today=date(2027, 1, 4))
    assert seats(engine)["new@police.example.org"] == (date(2026, 12, 1), date(2027, 2, 28))


def test_a_seat_that_ends_before_it_starts_is_refused_with_its_line(engine):
    backwards = FILE.replace("until: 31/03/2027", "until: 2026-03-31")
    with Session(engine) as session, pytest.raises(LoadError) as refused:
        load_text(backwards, session=session)
    assert refused.value.problems == [
        "line 13: groups[0].members[1].until: the seat would end (2026-03-31) before it starts (2026-04-01); "
        "give an `until` on or after `since`"]


def test_a_misspelt_seat_key_is_refused_with_the_one_meant(engine):
    with Session(engine) as session, pytest.raises(LoadError) as refused:
        load_text(FILE.replace("since: 2026-04-01", "sinse: 2026-04-01"), session=session)
    assert "unknown key 'sinse'; did you mean 'since'?" in refused.value.problems[0]


def import_members(engine, path):
    with session_for(engine) as session:
        return run_import("members", path, session=session, partnership=the_partnership(session),
                          importer=Importer(None, f"import:{path.name}"), now=DEFAULT_NOW)


def test_an_import_seats_people_from_the_day_it_runs_unless_the_file_says_when(demo, tmp_path):
    path = csv_file(tmp_path / "members.csv", "Name,Email,Agency,Group,Role,Since,Until\n"
                    "Kate Wells,kate.wells@police.example.org,police,arg,member,,\n"
                    "Lou Long,lou.long@police.example.org,police,arg,member,01/04/2026,31 March 2027\n"
                    "Bad Dates,bad.dates@police.example.org,police,arg,member,2027-01-01,2026-12-31\n")

    report = import_members(demo, path)

    assert [r.outcome.value for r in report.results][:2] == ["created", "created"]
    assert "member of arg from 2026-04-01 until 2027-03-31" in report.results[1].detail
    assert "the seat would end (2026-12-31) before it starts (2027-01-01)" in report.results[2].detail
    got = seats(demo)
    assert got["kate.wells@police.example.org"] == (date(2026, 11, 23), None)
    assert got["lou.long@police.example.org"] == (date(2026, 4, 1), date(2027, 3, 31))
    assert "bad.dates@police.example.org" not in got

    ended = csv_file(tmp_path / "ended.csv", "Name,Email,Agency,Group,Role,Until\n"
                     "Kate Wells,kate.wells@police.example.org,police,arg,member,2026-11-30\n")
    report = import_members(demo, ended)
    assert report.results[0].detail == "seat on arg from 2026-11-23 until 2026-11-30"
    assert seats(demo)["kate.wells@police.example.org"] == (date(2026, 11, 23), date(2026, 11, 30))


def test_forecasts_for_several_meetings_together_count_each_meetings_own_seats(engine):
    from datetime import datetime, timezone

    from models.groups import Group
    from models.meetings import Meeting
    from models.quorum import quorum_forecast, quorum_forecasts
    from models.scope import Scope

    with Session(engine) as session:
        load_text(FILE, session=session, today=date(2026, 11, 23))
    with Session(engine) as session:
        arg = session.exec(select(Group)).one()
        scope = Scope(arg.partnership_id)
        held = {day: Meeting(group_id=arg.id, starts_at=datetime(day.year, day.month, day.day, 10, tzinfo=timezone.utc))
                for day in (date(2027, 3, 10), date(2027, 4, 14))}  # Bob Cop's seat ends on 31 March 2027
        session.add_all(held.values())
        session.commit()
        together = quorum_forecasts([(meeting, day) for day, meeting in held.items()], scope=scope, session=session)
        one_by_one = {meeting.id: quorum_forecast(meeting, day=day, scope=scope, session=session)
                      for day, meeting in held.items()}
    assert together == one_by_one
    march, april = (together[held[day].id] for day in sorted(held))
    assert "Northshire Police has not answered (ask Bob Cop)" in march.missing
    assert "Northshire Police has nobody on the group" in april.missing
