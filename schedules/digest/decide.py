"""Who gets what on a day: each partnership's rules applied to what was read, most urgent first.

Items come back every day their rule says, until they are done (filtered in SQL) or snoozed
(until the snooze ends). An item whose owner has left goes to the business unit instead, so an
overdue item never disappears silently. Thousands of items share a due date, so a return's or
action's fate is decided once per date, kind and partnership; each person's items are kept as
(sort key, item) pairs, the item often a Later, worded only if its digest is read.
"""

from __future__ import annotations

import heapq
from collections import defaultdict, deque
from collections.abc import Iterator
from datetime import date, timedelta
from itertools import groupby

from sqlmodel import Session

from messages.reply import Item, Reply
from models.quorum import SeatAnswer, evaluate_quorum
from schedules.digest.day import Day, Digest
from schedules.digest.load import RECIPIENT_COLUMNS, Load, Place, Recipient
from schedules.digest.words import (Later, Words, action_fields, deputy_ask_item, escalation_items, long_overdue_item,
                                    minutes_item, missed_days, missed_item, orphan_item, paper_fields, paper_item,
                                    papers_missing_item, quorum_item, return_fields)
from schedules.digest.working_days import start_of_day
from schedules.rules import Cadence

# Most urgent first: escalations waiting, then overdue (longest first), due today, coming up
# (soonest first), and the weekly by-exception report last.
ESCALATION, OVERDUE, TODAY, AHEAD, REPORT = range(5)

BAND = 2000  # people whose digests are handed out together, once the due items have passed them


class Sweep:
    """One day's decisions for the partnerships given: the statements in a fixed order, then one digest a person."""

    def __init__(self, session: Session, on: date, partnership_ids: set[int] | None):
        self.load = Load(session, on)
        self.on = on
        self.partnership_ids = partnership_ids
        # What the loading learns about the partnerships and people, looked up on every item.
        self.places: dict[int, Place] = self.load.places
        self.agency_place: dict[int, Place] = self.load.agency_place
        self.group_place: dict[int, Place] = self.load.group_place
        self.known: dict[int, Recipient] = self.load.known
        self.quiet: list[str] = self.load.quiet
        self.entries: dict[int, list[tuple[tuple, Item | Later]]] = defaultdict(list)
        self.owner_of: dict[int, Place] = {}
        self.snoozed: set[tuple[int, str, int]] = set()
        self.seats: dict[int, list] = {}  # meeting id -> seats, for asks and forecasts
        self.asked_agencies: set[int] = set()
        self.past_meetings: dict[int, list] = {}
        self.words = Words(on, self.agency_place, self.load.colleagues, lambda: self.asked_agencies)
        # Bound once: thousands of items share these instead of a bound method each.
        self.word_action, self.word_return, self.word_ask = (self.words.action_item, self.words.return_item,
                                                             self.words.ask_item)

    # The order of the steps below is the order of the statements; each runs once per sweep.

    def run(self) -> Day:
        """Every digest of the day, in a list."""
        if not self.prepare():
            return Day(self.on, quiet=self.quiet)
        return Day(self.on, list(self.digests()), self.quiet)

    def prepare(self) -> bool:
        """Everything but the returns and actions of people still here, which `digests` streams;
        False when no partnership has reminders today."""
        self.load.partnerships(self.partnership_ids)
        if not self.places:
            return False
        self.load.agencies_groups_and_people()
        self.snoozed = self.load.snoozes()
        self.due_dates()
        self.meetings()
        self.minutes_overdue()
        self.escalations()
        if any(p.report_day for p in self.places.values()):
            self.by_exception()
        return True

    def digests(self, db=None, *, by_band: bool = False) -> Iterator[Digest]:
        """One digest a person, in member id order, handed out a band of people at a time.

        The due returns and actions come as two streams in owner order, those whose owner has left
        first (they go to the business unit, like the items `prepare` decided). Once a band of
        owners has passed, nobody below the next owner can get anything more: their digests are
        handed out and let go, so memory holds a band, not the day. `db`: a connection of its own
        for the streams, when the digests are written (and committed) as they come. `by_band`: each
        digest is read (worded) as it comes, so the deputies offered in attendance asks are read
        for a band's agencies at a time, not for every asked agency at once.
        """
        returns = self.load.returns_due(self.return_dates, db) if self.return_dates else ()
        actions = self.load.actions_due(self.action_dates, db) if self.action_dates else ()
        due = heapq.merge(((self.one_return, row) for row in returns), ((self.one_action, row) for row in actions),
                          key=lambda pair: (pair[1].o_active, pair[1].owner_id))
        others: deque[int] | None = None  # people with items not their own returns and actions
        band: list[int] = []
        for decide, row in due:
            if row.o_active:
                if others is None:
                    others = self.everyone_else()
                if not band or band[-1] != row.owner_id:
                    if len(band) >= BAND:
                        yield from self.hand_out(band, others, below=row.owner_id, by_band=by_band)
                        band = []
                    band.append(row.owner_id)
            decide(row)
        yield from self.hand_out(band, self.everyone_else() if others is None else others, below=None,
                                 by_band=by_band)

    def everyone_else(self) -> deque[int]:
        """Who has items so far (before any owner still here is streamed), in id order, known."""
        unknown = [member_id for member_id in self.entries if member_id not in self.known]
        if unknown:
            self.load.recipients(unknown)
        return deque(sorted(self.entries))

    def hand_out(self, band: list[int], others: deque[int], *, below: int | None, by_band: bool) -> Iterator[Digest]:
        """The digests of the band's owners and of the others below `below` (all when None)."""
        ids = list(band)
        while others and (below is None or others[0] < below):
            ids.append(others.popleft())
        known, owner_of, entries, on, reply = self.known, self.owner_of, self.entries, self.on, self.reply
        digests = []
        for member_id in sorted(set(ids)):
            mine = entries.pop(member_id, None)
            person = known.pop(member_id, None)
            owned_in = owner_of.pop(member_id, None)
            if not mine or person is None or not person.active:
                continue
            place = self.agency_place.get(person.agency_id) or owned_in
            digests.append(Digest(person, place.id, on, mine, reply))
        if by_band:
            self.words.for_band({item.args[4].agency_id for digest in digests for _, item in digest.entries
                                 if isinstance(item, Later) and item.build is self.word_ask})
        yield from digests

    def add(self, member_id: int, sort_key: tuple, item: Item | Later) -> None:
        self.entries[member_id].append((sort_key, item))

    def add_to(self, member_ids, sort_key: tuple, item: Item | Later) -> None:
        """The same item for several people (the business unit, a group's chairs): one entry, shared."""
        entry, entries = (sort_key, item), self.entries
        for member_id in member_ids:
            entries[member_id].append(entry)

    @staticmethod
    def urgency(when: str, days: int, kind_rank: int, item_id: int) -> tuple:
        tier = {"overdue": OVERDUE, "today": TODAY, "ahead": AHEAD}[when]
        return tier, -days if when == "overdue" else days, kind_rank, item_id

    # --- returns and actions --------------------------------------------------------------

    def trigger_dates(self, cadence_of, earliest: date | None) -> list[date]:
        """Every due date that puts an item in today's digest under some partnership's rules.

        Going back to the earliest open item keeps long-overdue items coming back on their
        cadence; the exact rule is applied again per partnership when the rows come back.
        """
        found: set[date] = set()
        for place in self.places.values():
            cadence: Cadence = cadence_of(place.rules)
            last = place.calendar.add_working_days(self.on, cadence.furthest_ahead + 1)
            first = min(earliest or self.on, self.on)
            day = first
            while day <= last:
                if cadence.reminds(*place.count.when(day, self.on)):
                    found.add(day)
                day += timedelta(days=1)
        return sorted(found)

    def due_dates(self) -> None:
        """The due dates that put a return or an action in today's digests (read in `digests`)."""
        earliest = self.load.earliest_open()
        oldest = min((d for d in earliest if d is not None), default=self.on)
        for place in self.places.values():
            place.count.reach_back(oldest)
        self.return_dates = self.trigger_dates(lambda r: r.returns, earliest[1])
        self.action_dates = self.trigger_dates(lambda r: r.actions, earliest[0])

    def decide(self, place: Place, kind: str, due: date) -> tuple | None:
        """Whether a return or action due on `due` is in today's digest under the place's rules:
        (when, days, tier, order) if so. Thousands of items share a due date, so each date is
        worked out once per kind and partnership."""
        decisions = place.decisions
        if (kind, due) not in decisions:
            cadence = place.rules.returns if kind == "return" else place.rules.actions
            when, days = place.count.when(due, self.on)
            tier, order, *_ = self.urgency(when, days, 0, 0)
            decisions[kind, due] = (when, days, tier, order) if cadence.reminds(when, days) else None
        return decisions[kind, due]

    def one_return(self, row) -> None:
        return_id, _title, _period, _kind, due, owner_id, agency_id = row[:7]
        place = self.agency_place.get(agency_id)
        if place is None or (owner_id, "return", return_id) in self.snoozed:
            return
        decision = self.decide(place, "return", due)
        if decision is None:
            return
        _when, _days, tier, order = decision
        if not row.o_active:
            return self.orphan(place, "A return", row, return_fields(row), (tier, order, 2, return_id))
        self.owner_is(owner_id, row, place)
        self.entries[owner_id].append(((tier, order, 2, return_id),
                                       Later(f"return:{return_id}", self.word_return, row)))

    def one_action(self, row) -> None:
        action_id, _title, _source, due, owner_id, agency_id = row[:6]
        place = self.agency_place.get(agency_id)
        if place is None or (owner_id, "action", action_id) in self.snoozed:
            return
        decision = self.decide(place, "action", due)
        if decision is None:
            return
        _when, _days, tier, order = decision
        if not row.o_active:
            return self.orphan(place, "An action", row, action_fields(row), (tier, order, 3, action_id))
        self.owner_is(owner_id, row, place)
        self.entries[owner_id].append(((tier, order, 3, action_id),
                                       Later(f"action:{action_id}", self.word_action, row)))

    def owner_is(self, owner_id: int, row, place: Place) -> None:
        """An item's owner, as delivery needs them (read with the item, last in the row), and their place."""
        if owner_id not in self.known:
            self.known[owner_id] = Recipient._make(row[-len(RECIPIENT_COLUMNS):])
        self.owner_of.setdefault(owner_id, place)

    def orphan(self, place: Place, what: str, row, fields: list, sort_key: tuple) -> None:
        """An item whose owner has left goes to the business unit, to give to someone."""
        item = orphan_item(what, row, fields)
        self.add_to([admin.id for admin in place.admins], sort_key, item)

    # --- meetings: papers, attendance, quorum ---------------------------------------------

    def meetings(self) -> None:
        """Papers reminders and missing lists, attendance asks and quorum forecasts."""
        horizon, earliest = 0, None
        for place in self.places.values():
            for group in place.groups.values():
                rules = place.rules.for_group(group.key)
                horizon = max(horizon, group.papers_notice_working_days + group.clear_days
                              + rules.papers.furthest_ahead, max(rules.attendance_ask_before, default=0),
                              rules.quorum_forecast_before or 0)
            start = start_of_day(self.on, place.calendar)
            earliest = start if earliest is None else min(earliest, start)
        latest = max(start_of_day(p.calendar.add_working_days(self.on, horizon + 1), p.calendar)
                     for p in self.places.values())
        upcoming = self.load.upcoming_meetings(earliest, latest)

        papers_for: dict[int, tuple] = {}  # meeting id -> (place, group, meeting, deadline, when, days, remind, list)
        asks: dict[int, tuple] = {}  # meeting id -> (place, group, meeting, days)
        forecasts: dict[int, tuple] = {}
        next_seen: set[int] = set()
        for meeting in upcoming:
            place = self.group_place[meeting.group_id]
            group = place.groups[meeting.group_id]
            rules = place.rules.for_group(group.key)
            day = place.calendar.local_date(meeting.starts_at)
            if day < self.on:
                continue
            deadline = place.calendar.papers_due(day, group.papers_notice_working_days, group.clear_days)
            when, days = place.count.when(deadline, self.on)
            remind = rules.papers.reminds(when, days)
            missing_list = when == "today" and rules.admins_on_papers_deadline
            if remind or missing_list:
                papers_for[meeting.id] = (place, group, meeting, deadline, when, days, remind, missing_list)
            if meeting.group_id in next_seen:
                continue  # people answer for a group's next meeting only
            next_seen.add(meeting.group_id)
            lead = place.count.between(self.on, day)
            if lead in rules.attendance_ask_before and lead > 0:
                asks[meeting.id] = (place, group, meeting, lead)
            if rules.quorum_forecast_before is not None and lead == rules.quorum_forecast_before and group.quorum:
                forecasts[meeting.id] = (place, group, meeting, lead)

        if papers_for:
            self.papers(papers_for)
        if any(p.report_day for p in self.places.values()):
            self.past_meetings = self.load.past_meetings()
        if asks or forecasts:
            self.seats, away = self.load.seats(set(asks) | set(forecasts))
        if asks:
            self.attendance_asks(asks, away)
        for place, group, meeting, lead in forecasts.values():
            self.quorum_forecast(place, group, meeting, lead)
        self.seats = {}  # each ask keeps its own seat; the rest are not needed again

    def papers(self, papers_for: dict[int, tuple]) -> None:
        missing: dict[int, list] = defaultdict(list)
        for row in self.load.papers_owed(list(papers_for)):
            place, group, meeting, deadline, when, days, remind, missing_list = papers_for[row.meeting_id]
            missing[row.meeting_id].append(row)
            if not remind or (row.owner_id, "paper", row.id) in self.snoozed:
                continue
            sort_key = self.urgency(when, days, 1, row.id)
            if not row.o_active:
                self.orphan(place, "A paper", row, paper_fields(place, group, meeting, deadline), sort_key)
                continue
            self.owner_is(row.owner_id, row, place)
            self.add(row.owner_id, sort_key,
                     Later(f"paper:{row.id}", paper_item, (place, group, meeting, deadline, row, when, days)))
        for meeting_id, rows in missing.items():
            place, group, meeting, deadline, when, days, remind, missing_list = papers_for[meeting_id]
            if not missing_list:
                continue
            item = papers_missing_item(place, group, meeting, rows)
            self.add_to([admin.id for admin in place.admins], (TODAY, 0, 6, meeting_id), item)

    def attendance_asks(self, asks: dict[int, tuple], away: set[tuple[int, str, int]]) -> None:
        """Members who have not answered are asked. Their Send deputy form leaves out those who have
        sent apologies for the meeting (`away`: meeting id, email, agency id, read with the seats)."""
        asked_about: set[int] = set()
        for meeting_id, (place, group, meeting, lead) in asks.items():
            for seat in self.seats.get(meeting_id, []):
                if seat.answer is None and (seat.id, "meeting", meeting_id) not in self.snoozed:
                    asked_about.add(meeting_id)
                    self.asked_agencies.add(seat.agency_id)
                    if seat.id not in self.known:
                        self.known[seat.id] = Recipient(*seat[-len(RECIPIENT_COLUMNS):])
                    self.add(seat.id, (AHEAD, lead, 4, meeting_id),
                             Later(f"meeting:{meeting_id}", self.word_ask, (place, group, meeting, lead, seat)))
        self.words.apologies([row for row in away if row[0] in asked_about])
        named = {meeting_id for meeting_id in asks if any(
            seat.answer == "deputy" and seat.deputy_answer is None for seat in self.seats.get(meeting_id, []))}
        for row in self.load.deputies_to_ask(named) if named else []:
            place, group, meeting, lead = asks[row.meeting_id]
            if (row.id, "meeting", row.meeting_id) in self.snoozed:
                continue
            if row.id not in self.known:
                self.known[row.id] = Recipient(*row[-len(RECIPIENT_COLUMNS):])
            # One with a seat of their own is asked this, not "will you be there?" too: it answers for both.
            seated = any(seat.id == row.id for seat in self.seats.get(row.meeting_id, []))
            self.add(row.id, (AHEAD, lead, 3 if seated else 4, row.meeting_id),
                     deputy_ask_item(place, group, meeting, lead, row.named_by, seated=seated))

    def quorum_forecast(self, place: Place, group, meeting, lead: int) -> None:
        seats = [SeatAnswer(s.id, s.name, s.agency_key, s.agency_name, s.role, s.answer, s.deputy_name,
                            s.deputy_answer, s.deputy_id, s.deputy_own_answer)
                 for s in self.seats.get(meeting.id, [])]
        result = evaluate_quorum(group.quorum, seats, deputies_count=group.deputies_count,
                                 agency_names=place.agency_names)
        shared = quorum_item(place, group, meeting, result)
        for chair in place.chairs.get(group.id, []):
            # Worded for each chair (in memory): one who has not answered, or whose own apologies leave a
            # seat empty, is told their own part rather than to ask themselves; the rest share one item.
            theirs = result if result.quorate else evaluate_quorum(
                group.quorum, seats, deputies_count=group.deputies_count, agency_names=place.agency_names,
                asker_id=chair.id)
            self.add(chair.id, (AHEAD, lead, 5, meeting.id),
                     shared if theirs == result else quorum_item(place, group, meeting, theirs))

    # --- escalations ------------------------------------------------------------------------

    def escalations(self) -> None:
        for row in self.load.open_escalations():
            place = self.agency_place[row.agency_id]
            rules, local = place.rules, place.calendar.local_date
            waiting = place.count.between(local(row.raised_at), self.on)
            unacknowledged = row.acknowledged_at is None and waiting > rules.acknowledge_within
            in_stage = place.count.between(local(row.stage_entered_at), self.on)
            timescale = rules.stage_days(row.stage)
            stage_over = in_stage > timescale
            if not (unacknowledged or stage_over):
                continue
            item, own = escalation_items(place, row, unacknowledged=unacknowledged, waiting=waiting,
                                         stage_over=stage_over, in_stage=in_stage, timescale=timescale)
            readers = place.escalation_handlers | ({row.assigned_to_id} if row.assigned_to_id else set())
            urgent_first = 0 if row.urgency == "urgent" else 1
            for member_id in readers:
                self.add(member_id, (ESCALATION, urgent_first, -max(waiting, in_stage), row.id),
                         own if member_id == row.raised_by_id else item)

    def minutes_overdue(self) -> None:
        """Minutes not circulated within the group's limit (Solihull: two weeks): the business unit is told."""
        for row in self.load.minutes_not_out():
            place = self.group_place[row.group_id]
            group = place.groups[row.group_id]
            held = place.calendar.local_date(row.starts_at)
            days = (self.on - held).days
            if days <= group.minutes_within_days:
                continue
            self.add_to([admin.id for admin in place.admins], (OVERDUE, -days, 5, row.id),
                        Later(f"minutes:{row.id}", minutes_item, (row.id, group, held, days)))

    # --- the weekly by-exception report -----------------------------------------------------

    def by_exception(self) -> None:
        last: dict[int, list] = {}  # group id -> the meetings a seat must have missed, newest first
        for group_id, meetings in self.past_meetings.items():
            place = self.group_place[group_id]
            in_a_row = place.rules.for_group(place.groups[group_id].key).missed_in_a_row
            if len(meetings) >= in_a_row:
                last[group_id] = meetings[:in_a_row]
        for group_id, seat_rows in groupby(self.load.missed_in_a_row(last), key=lambda row: row.group_id):
            place = self.group_place[group_id]
            group, meetings = place.groups[group_id], last[group_id]
            readers = {m.id for m in place.chairs.get(group_id, []) + place.admins}
            held = missed_days(place, meetings)
            for seat in seat_rows:
                self.add_to(readers, (REPORT, 0, 7, group_id, seat.id),
                            Later(f"missed:{group_id}:{seat.id}", missed_item, (group, seat, len(meetings), held)))
        self.past_meetings = {}
        self.long_overdue()

    def long_overdue(self) -> None:
        """Returns and actions overdue by more than the partnership's limit: how many and the oldest, by agency."""
        reporting = [p for p in self.places.values() if p.report_day]
        cutoff = {p.row.id: p.calendar.add_working_days(self.on, -p.rules.overdue_more_than) for p in reporting}
        found = self.load.long_overdue(cutoff)
        # The chairs who see an agency: those chairing a group the agency sits on.
        chairs_watching: dict[int, set[int]] = defaultdict(set)
        if found:
            groups = {g: p for p in reporting for g in p.groups}
            for group_id, agency_ids in self.load.seat_agencies([p.id for p in reporting]).items():
                chairs = {c.id for c in groups[group_id].chairs.get(group_id, [])}
                for agency_id in agency_ids:
                    chairs_watching[agency_id] |= chairs
        for agency_id, kinds in found.items():
            place = self.agency_place[agency_id]
            total = sum(count for count, _ in kinds.values())
            item = long_overdue_item(place, place.agencies[agency_id], kinds, total)
            readers = {m.id for m in place.admins} | chairs_watching.get(agency_id, set())
            self.add_to(readers, (REPORT, 1, -total, agency_id), item)

    # --- one reply per person ---------------------------------------------------------------

    def reply(self, entries: list[tuple[tuple, Item | Later]]) -> Reply:
        """One person's digest: most urgent first, each item once, the first MAX_ITEMS worded."""
        entries.sort(key=lambda entry: entry[0])
        chosen, seen, pressing, report_from = [], set(), 0, None
        for sort_key, item in entries:
            if item.key not in seen:
                seen.add(item.key)
                if sort_key[0] == REPORT and report_from is None:
                    report_from = len(chosen)
                chosen.append(item)
                pressing += sort_key[0] <= OVERDUE
        return self.words.reply(chosen, pressing, report_from=report_from)
