"""Load a partnership from one YAML file, idempotently: loading it twice changes nothing.

Errors name the line and the field, and nothing is saved unless the whole file is good.
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, select

from models.audit import AuditEvent, record
from models.dates import DateError, date_value, local_moment, moment_value
from models.load_history import History
from models.load_report import LoadReport, in_file_order
from models.load_schema import settings_group_problems, settings_problems, unknown_keys
from models.people import member_by_email, normalise_email
from models.scope import Scope
from models.yaml_file import MAX_YAML_BYTES, LoadError, parse_yaml
from models.escalations import CATEGORIES, Escalation, EscalationStageChange, Urgency
from models.groups import Group, Membership, Role
from models.meetings import Answer, AttendanceAnswer, Meeting, Paper
from models.partnership import REMINDERS_WHERE, Agency, Member, Nation, Partnership, Platform
from models.quorum import RULE_KEYS, QuorumRuleError, check_rule
from models.work import Action, DataReturn, ReturnKind, same_return

ANSWERS = {"yes": Answer.ATTENDING, "no": Answer.APOLOGIES, "deputy": Answer.DEPUTY,
           "attending": Answer.ATTENDING, "apologies": Answer.APOLOGIES}


def load_file(path: str, *, session: Session, today: date | None = None) -> LoadReport:
    with open(path, encoding="utf-8") as handle:
        text = handle.read(MAX_YAML_BYTES + 1)  # no more than the most that will be loaded
    return load_text(text, session=session, today=today)


def load_text(text: str, *, session: Session, today: date | None = None) -> LoadReport:
    """Load a partnership's YAML into the database in one transaction.

    If anything is wrong, a key no section declares included, nothing is saved and LoadError lists
    every problem by line. `today` is the day of loading (the partnership's today unless given):
    a seat added to a group already loaded starts then, unless the file says `since`.
    """
    data = parse_yaml(text)
    loader = _Load(data, session, today)
    try:
        loader.run()
    except Exception:
        session.rollback()
        raise
    problems = unknown_keys(data) + loader.problems + loader.setting_problems
    if problems:
        session.rollback()
        raise LoadError(in_file_order(problems))
    record(session, partnership_id=loader.partnership.id, actor_id=None, actor_label="loader", action="data.loaded",
           entity="partnership", entity_id=loader.partnership.id,
           after={"created": loader.report.created, "updated": loader.report.updated})
    session.commit()
    return loader.report


class _Load(History):
    def __init__(self, data: dict[str, Any], session: Session, today: date | None = None):
        self.data = data
        self.session = session
        self.given_today = today
        self.problems: list[str] = []
        self.setting_problems: list[str] = []  # listed with the rest, but the rest of the file is still checked
        self.report = LoadReport()
        self.agencies: dict[str, Agency] = {}
        self.members: dict[str, Member] = {}
        self.groups: dict[str, Group] = {}
        self.meetings: dict[tuple[str, date], Meeting] = {}
        self.zone = ZoneInfo("Europe/London")

    # --- helpers ---------------------------------------------------------------------
    def problem(self, entry: Any, key: str | None, where: str, message: str) -> None:
        line = getattr(entry, "key_lines", {}).get(key) if key else None
        line = line or getattr(entry, "line", 0)
        self.problems.append(f"line {line}: {where}{'.' + key if key else ''}: {message}")

    def require(self, entry: Any, key: str, where: str, kind: type | tuple[type, ...] = str) -> Any:
        if not isinstance(entry, dict):
            self.problems.append(f"line ?: {where}: expected a mapping of fields")
            return None
        value = entry.get(key)
        if value is None or value == "":
            self.problem(entry, None, where, f"`{key}` is required")
            return None
        if not isinstance(value, kind):
            self.problem(entry, key, where, f"expected {getattr(kind, '__name__', kind)}, got {value!r}")
            return None
        return value

    def items(self, section: str) -> list[Any]:
        value = self.data.get(section) or []
        if not isinstance(value, list):
            self.problems.append(f"line {self.data.key_lines.get(section, 0)}: {section}: must be a list")
            return []
        return value

    def upsert(self, kind: str, existing: Any, new: Any, values: dict[str, Any]) -> Any:
        row = existing or new
        changed = existing is None or any(getattr(row, k) != v for k, v in values.items())
        for key, value in values.items():
            setattr(row, key, value)
        if changed:
            self.session.add(row)
            self.session.flush()
            self.report.count(kind, existing is None)
        return row

    def member(self, entry: Any, key: str, where: str, required: bool = True) -> Member | None:
        email = entry.get(key) if isinstance(entry, dict) else None
        if email is None:
            if required:
                self.problem(entry, None, where, f"`{key}` is required")
            return None
        found = self.members.get(normalise_email(str(email))) or member_by_email(
            str(email), scope=Scope(self.partnership.id), session=self.session)
        if found is None:
            self.problem(entry, key, where, f"no member with email {email!r}; add them under members first")
        return found

    def as_date(self, entry: Any, key: str, where: str) -> date | None:
        """A date as people write it (2027-03-02, 02/03/2027, 2 March 2027); never a word such as
        tomorrow, so the file means the same whenever it is loaded."""
        try:
            return date_value(entry.get(key))
        except DateError as error:
            self.problem(entry, key, where, error.message)
            return None

    def as_moment(self, entry: Any, key: str, where: str) -> datetime | None:
        """A date and time in the partnership's zone (a date alone means 10:00), as UTC: one the clocks skip
        is refused, as chat refuses it (models.dates.local_moment)."""
        try:
            value = moment_value(entry.get(key), default_time=time(10, 0))
            value = value if value.tzinfo else local_moment(value.date(), value.time(), self.zone)
        except DateError as error:
            self.problem(entry, key, where, error.message)
            return None
        return value.astimezone(timezone.utc)

    # --- sections --------------------------------------------------------------------
    def run(self) -> None:
        self.load_partnership()
        if self.problems:
            return
        self.load_agencies()
        self.load_members()
        self.load_groups()
        self.check_settings_groups()
        self.load_meetings()
        self.load_papers()
        self.load_returns()
        self.load_actions()
        self.load_attendance()
        self.load_escalations()

    def load_partnership(self) -> None:
        entry = self.data.get("partnership")
        if not isinstance(entry, dict):
            self.problems.append("line 1: partnership: required, with name, timezone and nation")
            return
        name = self.require(entry, "name", "partnership")
        tz = str(entry.get("timezone", "Europe/London"))
        try:
            self.zone = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            self.problem(entry, "timezone", "partnership", f"unknown time zone {tz!r}, e.g. Europe/London")
        nation = str(entry.get("nation", Nation.ENGLAND_AND_WALES.value))
        if nation not in {n.value for n in Nation}:
            self.problem(entry, "nation", "partnership", f"{nation!r} is not one of "
                         + ", ".join(n.value for n in Nation))
        settings = entry.get("settings") or {}
        if not isinstance(settings, dict):
            self.problem(entry, "settings", "partnership", "must be a mapping of settings")
            settings = {}
        self.setting_problems += settings_problems(entry)
        if self.problems or name is None:
            return
        key = str(entry.get("key") or "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-"))[:40]
        existing = self.session.exec(select(Partnership).where(Partnership.key == key)).first()
        values = {"name": name, "timezone": tz, "nation": nation, "settings": dict(settings)}
        if entry.get("front_door"):
            values["front_door"] = str(entry["front_door"])
        for field_name, column in (("slack_team_id", Partnership.slack_team_id),
                                   ("slack_enterprise_id", Partnership.slack_enterprise_id),
                                   ("teams_tenant_id", Partnership.teams_tenant_id)):
            value = str(entry.get(field_name) or "").strip() or None
            values[field_name] = value
            if value is None:
                continue
            owner = self.session.exec(select(Partnership.key).where(column == value, Partnership.key != key)).first()
            if owner is not None:
                self.problem(entry, field_name, "partnership", f"{value!r} already belongs to partnership {owner!r}; "
                             f"a Slack workspace or Microsoft 365 tenant serves one partnership")
        if self.problems:
            return
        self.partnership = self.upsert("partnerships", existing, Partnership(key=key, name=name), values)

    def load_agencies(self) -> None:
        for i, entry in enumerate(self.items("agencies")):
            where = f"agencies[{i}]"
            key, name = self.require(entry, "key", where), self.require(entry, "name", where)
            if key is None or name is None:
                continue
            key = key.lower()
            if key in self.agencies:
                self.problem(entry, "key", where, f"agency {key!r} is listed twice")
                continue
            existing = self.session.exec(select(Agency).where(
                Agency.partnership_id == self.partnership.id, Agency.key == key)).first()
            values = {"name": name, "named_partner": self.flag(entry, "named_partner", where, False)}
            self.agencies[key] = self.upsert("agencies", existing, Agency(partnership_id=self.partnership.id, key=key,
                                                                            name=name), values)

    def load_members(self) -> None:
        listed: dict[str, tuple[str, Any]] = {}  # email as compared -> (where, entry) as first listed
        chose = self.chose_where_reminders_come()
        for i, entry in enumerate(self.items("members")):
            where = f"members[{i}]"
            email, name, agency_key = (self.require(entry, "email", where), self.require(entry, "name", where),
                                       self.require(entry, "agency", where))
            if email is None or name is None or agency_key is None:
                continue
            written, email = email, normalise_email(email)
            if "@" not in email:
                self.problem(entry, "email", where, f"{email!r} is not an email address")
                continue
            if email in listed:
                first_where, first = listed[email]
                self.problem(entry, "email", where, f"{written.strip()!r} is the same email as "
                             f"{first['email'].strip()!r} on line {first.key_lines.get('email', first.line)} "
                             f"({first_where}); emails match whatever their case, so list each person once")
                continue
            listed[email] = (where, entry)
            agency = self.agencies.get(agency_key.lower())
            if agency is None:
                self.problem(entry, "agency", where, f"unknown agency {agency_key!r}; known: "
                             + ", ".join(sorted(self.agencies)))
                continue
            # Unless chosen, the platform is where they are known: a Slack id means Slack.
            inferred = (Platform.SLACK.value if entry.get("slack_id") else
                        Platform.TEAMS.value if entry.get("teams_aad_id") else Platform.CONSOLE.value)
            platform = str(entry.get("platform") or inferred)
            if platform not in {p.value for p in Platform}:
                self.problem(entry, "platform", where, "must be slack, teams, email or console")
                continue
            existing = member_by_email(email, scope=Scope(self.partnership.id), session=self.session)
            if self.kept_removed(existing):
                self.members[email] = existing
                continue
            values = {"email": email, "name": name, "agency_id": agency.id, "preferred_platform": platform,
                      "is_admin": self.flag(entry, "admin", where, False), "active": True,
                      "preferred_name": str(entry["preferred_name"]).strip()[:60] if entry.get("preferred_name")
                      else None}
            if existing is not None and existing.id in chose and not entry.get("platform"):
                # Where their reminders come is the member's own choice; only the file's own `platform` overrides it.
                del values["preferred_platform"]
            for source, target in (("slack_id", "slack_user_id"), ("teams_aad_id", "teams_aad_id")):
                if entry.get(source):
                    values[target] = str(entry[source])
            self.members[email] = self.upsert("members", existing, Member(partnership_id=self.partnership.id,
                                                                        email=email, name=name, agency_id=agency.id),
                                              values)

    def chose_where_reminders_come(self) -> set[int]:
        """The partnership's members who chose where their reminders come (`reminders email`, say)."""
        return set(self.session.exec(select(AuditEvent.entity_id).where(
            AuditEvent.partnership_id == self.partnership.id, AuditEvent.action == REMINDERS_WHERE,
            AuditEvent.entity == "member")))

    def load_groups(self) -> None:
        agency_keys = set(self.agencies) | set(self.session.exec(select(Agency.key).where(
            Agency.partnership_id == self.partnership.id)))
        for i, entry in enumerate(self.items("groups")):
            where = f"groups[{i}]"
            key, name = self.require(entry, "key", where), self.require(entry, "name", where)
            if key is None or name is None:
                continue
            quorum, found = entry.get("quorum") or {}, len(self.problems)
            self.flag(quorum, "chair_required", f"{where}.quorum", False)  # named by its own line if not true/false
            try:
                # An unknown rule key is named by its line with the closest known key, as every unknown key is.
                if len(self.problems) == found:  # a chair_required refused just now is not named again as a rule
                    check_rule({k: v for k, v in quorum.items() if k in RULE_KEYS}, agency_keys)
            except (QuorumRuleError, TypeError, ValueError, AttributeError) as exc:
                self.problem(entry, "quorum", where, str(exc) if isinstance(exc, QuorumRuleError) else
                             "must be a mapping of quorum rules, e.g. {all_of: [la, police, icb]}")
                continue
            notice = entry.get("papers_notice_working_days", 5)
            if not isinstance(notice, int) or notice < 0:
                self.problem(entry, "papers_notice_working_days", where, "must be a whole number of days")
                continue
            key = key.lower()
            existing = self.session.exec(select(Group).where(
                Group.partnership_id == self.partnership.id, Group.key == key)).first()
            values = {"name": name, "papers_notice_working_days": notice, "quorum": dict(quorum),
                      "clear_days": self.flag(entry, "clear_days", where, False),
                      "deputies_count": self.flag(entry, "deputies_count", where, True),
                      "handles_escalations": self.flag(entry, "handles_escalations", where, key == "arg"),
                      "minutes_within_days": int(entry.get("minutes_within_days", 14)),
                      "slack_channel_id": entry.get("slack_channel")}
            group = self.upsert("groups", existing, Group(partnership_id=self.partnership.id, key=key, name=name),
                                values)
            self.groups[key] = group
            for j, seat in enumerate(entry.get("members") or []):
                self.load_seat(seat, group, f"{where}.members[{j}]", new_group=existing is None)

    def load_seat(self, seat: Any, group: Group, where: str, *, new_group: bool) -> None:
        """A seat on a group, with the days it runs from and to.

        A seat listed when its group is first loaded is taken to have been held all along, so the
        meetings and attendance the file brings with it count; one added to a group loaded before
        starts on the day it is loaded. `since` and `until` say otherwise; a seat without `until`
        is held."""
        member = self.member(seat, "email", where)
        if not isinstance(seat, dict):
            return  # the problem is listed already
        role = str(seat.get("role", "member"))
        if role not in {r.value for r in Role}:
            self.problem(seat, "role", where, "must be chair, deputy_chair or member")
            return
        since = self.as_date(seat, "since", where) if seat.get("since") is not None else None
        until = self.as_date(seat, "until", where) if seat.get("until") is not None else None
        if since is not None and until is not None and until < since:
            self.problem(seat, "until", where, f"the seat would end ({until.isoformat()}) before it starts "
                                               f"({since.isoformat()}); give an `until` on or after `since`")
            return
        if member is None or not member.active or (seat.get("since") is not None and since is None) or \
                (seat.get("until") is not None and until is None):
            return
        existing_seat = self.session.exec(select(Membership).where(
            Membership.group_id == group.id, Membership.member_id == member.id)).first()
        values: dict[str, Any] = {"role": role, "until": until}
        if since is not None:
            values["since"] = since
        elif existing_seat is None and not new_group:
            values["since"] = self.today()
        self.upsert("memberships", existing_seat, Membership(group_id=group.id, member_id=member.id), values)

    def check_settings_groups(self) -> None:
        held = self.session.exec(select(Group.key).where(Group.partnership_id == self.partnership.id))
        self.setting_problems += settings_group_problems(self.data, set(held))

    def group(self, entry: Any, where: str) -> Group | None:
        key = self.require(entry, "group", where)
        if key is None:
            return None
        group = self.groups.get(key.lower()) or self.session.exec(select(Group).where(
            Group.partnership_id == self.partnership.id, Group.key == key.lower())).first()
        if group is None:
            self.problem(entry, "group", where, f"unknown group {key!r}")
        return group

    def meeting(self, entry: Any, where: str) -> Meeting | None:
        group = self.group(entry, where)
        day = self.as_date(entry, "meeting", where) if entry.get("meeting") is not None else None
        if entry.get("meeting") is None:
            self.problem(entry, None, where, "`meeting` (its date) is required")
        if group is None or day is None:
            return None
        found = self.meetings.get((group.key, day))
        if found is None:
            for meeting in self.session.exec(select(Meeting).where(Meeting.group_id == group.id)):
                if meeting.starts_at.astimezone(self.zone).date() == day:
                    found = meeting
        if found is None:
            self.problem(entry, "meeting", where, f"{group.key} has no meeting on {day.isoformat()}")
        return found

    def load_meetings(self) -> None:
        for i, entry in enumerate(self.items("meetings")):
            where = f"meetings[{i}]"
            group = self.group(entry, where)
            starts = self.as_moment(entry, "starts", where) if entry.get("starts") is not None else None
            if entry.get("starts") is None:
                self.problem(entry, None, where, "`starts` is required, e.g. 2027-01-05T10:00")
            location = self.safe_optional(entry, "location", where, place=True)
            if group is None or starts is None or location is None:
                continue
            existing = self.session.exec(select(Meeting).where(
                Meeting.group_id == group.id, Meeting.starts_at == starts)).first()
            meeting = self.upsert("meetings", existing, Meeting(group_id=group.id, starts_at=starts),
                                  {"location": location, **self.minutes_values(entry, where)})
            self.meetings[(group.key, starts.astimezone(self.zone).date())] = meeting

    def load_papers(self) -> None:
        for i, entry in enumerate(self.items("papers")):
            where = f"papers[{i}]"
            meeting, title = self.meeting(entry, where), self.required_text(entry, "title", where)
            owner = self.member(entry, "owner", where)
            if meeting is None or title is None or owner is None:
                continue
            existing = self.session.exec(select(Paper).where(Paper.meeting_id == meeting.id,
                                                             Paper.title == title)).first()
            self.upsert("papers", existing, Paper(meeting_id=meeting.id, title=title, owner_id=owner.id),
                        {"owner_id": owner.id})

    def load_returns(self) -> None:
        kinds = {k.value for k in ReturnKind}
        for i, entry in enumerate(self.items("returns")):
            where = f"returns[{i}]"
            title, agency_key = self.required_text(entry, "title", where), self.require(entry, "agency", where)
            period = self.safe_optional(entry, "period", where)
            owner = self.member(entry, "owner", where)
            due = self.required_date(entry, "due", where)
            kind = str(entry.get("kind", "other"))
            if kind not in kinds:
                self.problem(entry, "kind", where, f"{kind!r} is not one of {sorted(kinds)}")
                continue
            agency = self.agencies.get(str(agency_key).lower()) if agency_key else None
            if agency_key and agency is None:
                self.problem(entry, "agency", where, f"unknown agency {agency_key!r}")
            if not self.from_its_agency(entry, owner, agency, where):
                continue
            if None in (title, agency, owner, due, period):
                continue
            existing = same_return(agency.id, title, period, session=self.session)
            values = {"owner_id": owner.id, "kind": kind, "due_date": due}
            if entry.get("submitted"):
                values["submitted_at"] = self.as_moment(entry, "submitted", where)
            self.upsert("returns", existing, DataReturn(agency_id=agency.id, owner_id=owner.id, title=title,
                                                        period=period, due_date=due), values)

    def load_actions(self) -> None:
        for i, entry in enumerate(self.items("actions")):
            where = f"actions[{i}]"
            title, owner = self.required_text(entry, "title", where), self.member(entry, "owner", where)
            source = self.safe_optional(entry, "source", where)
            due = self.required_date(entry, "due", where)
            if None in (title, owner, due, source):
                continue
            existing = self.session.exec(select(Action).where(Action.owner_id == owner.id,
                                                              Action.title == title)).first()
            self.upsert("actions", existing, Action(title=title, owner_id=owner.id, agency_id=owner.agency_id,
                                                    due_date=due),
                        {"due_date": due, "source": source, "agency_id": owner.agency_id,
                         **self.action_values(entry, where)})

    def load_attendance(self) -> None:
        for i, entry in enumerate(self.items("attendance")):
            where = f"attendance[{i}]"
            meeting, member = self.meeting(entry, where), self.member(entry, "email", where)
            raw = entry.get("answer", "") if isinstance(entry, dict) else ""
            # YAML 1.1 reads a bare yes/no as true/false.
            raw = {True: "yes", False: "no"}.get(raw, raw) if isinstance(raw, bool) else raw
            answer = ANSWERS.get(str(raw).lower())
            if answer is None:
                self.problem(entry, "answer", where, "must be yes, no or deputy")
            deputy = None
            if answer == Answer.DEPUTY:
                deputy = self.member(entry, "deputy", where)
                if deputy and member and deputy.agency_id != member.agency_id:
                    self.problem(entry, "deputy", where, "a deputy must be from the member's own agency")
                    continue
            if None in (meeting, member, answer) or (answer == Answer.DEPUTY and deputy is None):
                continue
            existing = self.session.exec(select(AttendanceAnswer).where(
                AttendanceAnswer.meeting_id == meeting.id, AttendanceAnswer.member_id == member.id)).first()
            self.upsert("attendance answers", existing,
                        AttendanceAnswer(meeting_id=meeting.id, member_id=member.id, answer=answer.value),
                        {"answer": answer.value, "deputy_id": deputy.id if deputy else None,
                         **self.attended_values(entry, where)})

    def load_escalations(self) -> None:
        for i, entry in enumerate(self.items("escalations")):
            where = f"escalations[{i}]"
            raiser = self.member(entry, "raised_by", where)
            summary = self.required_text(entry, "summary", where, escalation=True)
            case_reference = self.safe_optional(entry, "case_reference", where, escalation=True)
            category = str(entry.get("category", "other"))
            urgency = str(entry.get("urgency", Urgency.ROUTINE.value))
            if category not in CATEGORIES:
                self.problem(entry, "category", where, f"must be one of {sorted(CATEGORIES)}")
                continue
            if urgency not in {u.value for u in Urgency}:
                self.problem(entry, "urgency", where, "must be routine or urgent")
                continue
            raised = self.as_moment(entry, "raised", where) if entry.get("raised") else None
            if raiser is None or summary is None or case_reference is None:
                continue
            existing = self.session.exec(select(Escalation).where(Escalation.raised_by_id == raiser.id,
                                                                  Escalation.summary == summary)).first()
            values = {"category": category, "urgency": urgency,
                      "case_reference": case_reference or None, "stage": int(entry.get("stage", 1))}
            if raised:
                values.update(raised_at=raised, stage_entered_at=raised)
            values.update(self.escalation_values(entry, where, raised))
            row = self.upsert("escalations", existing, Escalation(raised_by_id=raiser.id, agency_id=raiser.agency_id,
                                                                 category=category, summary=summary), values)
            if existing is None:
                for stage, entered in self.stage_history(row):
                    # Who moved it on is not in the file: only the first stage is known to be the raiser's.
                    self.session.add(EscalationStageChange(escalation_id=row.id, stage=stage, entered_at=entered,
                                                           by_id=raiser.id if stage == 1 else None))
