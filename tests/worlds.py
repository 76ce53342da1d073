"""Two partnerships in one database, as a deployment hosting both holds them.

A (Riverside) and B (Lakeside) are both built from the demo partnership, so they have the same
agency keys, group keys, people's names, meeting pattern and kinds of work. What differs, so
that a leak shows: every title and summary carries its partnership's tag ([A] or [B]), the
partnerships' names differ, and their people's emails are on different domains (.org for A,
.net for B), except DI Mark Evans, the police lead who sits in both, with one email.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import yaml
from sqlmodel import Session, select

from bot.demo import demo_yaml
from models.db import session_for
from models.partnership import Member, Partnership
from models.scope import SCOPED_TABLES, Scope
from models.loader import load_text

SHARED = "mark.evans@police.example.org"  # a member of both partnerships
A_TEAM, B_TEAM = "T0RIVERSIDE", "T0LAKESIDE"
A_TENANT, B_TENANT = "tenant-riverside", "tenant-lakeside"
TAGGED = {"papers": "title", "returns": "title", "actions": "title", "escalations": "summary"}


def partnership_yaml(today: date, *, tag: str, key: str, place: str, domain: str, slack_team: str,
                     tenant: str) -> str:
    """The demo partnership, renamed and tagged."""
    text = demo_yaml(today).replace("Riverside", place).replace("key: riverside", f"key: {key}")
    text = text.replace(".example.org", f".example.{domain}").replace(f"mark.evans@police.example.{domain}", SHARED)
    data = yaml.safe_load(text)
    data["partnership"].update(slack_team_id=slack_team, teams_tenant_id=tenant)
    for section, field_name in TAGGED.items():
        for entry in data.get(section) or []:
            entry[field_name] = f"{entry[field_name]} [{tag}]"
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


@dataclass
class TwoPartnerships:
    """Both partnerships loaded; ids of A's rows, to be aimed at from B."""

    engine: object
    a: Partnership
    b: Partnership
    a_ids: dict[type, list[int]] = field(default_factory=dict)

    def scope(self, which: Partnership) -> Scope:
        return Scope(which.id)

    def snapshot(self, which: Partnership) -> dict[str, list]:
        """Every row the partnership holds, in every scoped table: to show nothing of it changed."""
        scope = self.scope(which)
        found = {}
        with session_for(self.engine) as session:
            for model in sorted(SCOPED_TABLES, key=lambda m: m.__tablename__):
                rows = session.exec(select(model).where(scope.where(model)).order_by(*_key(model))).all()
                found[model.__tablename__] = [row.model_dump(mode="json") for row in rows]
        return found

    def members_of(self, which: Partnership) -> set[int]:
        with session_for(self.engine) as session:
            return set(session.exec(select(Member.id).where(Member.partnership_id == which.id)))


def _key(model) -> list:
    return list(model.__table__.primary_key.columns)


def two_partnerships(engine, today: date) -> TwoPartnerships:
    with session_for(engine) as session:
        load_text(partnership_yaml(today, tag="A", key="riverside", place="Riverside", domain="org",
                                   slack_team=A_TEAM, tenant=A_TENANT), session=session)
        load_text(partnership_yaml(today, tag="B", key="lakeside", place="Lakeside", domain="net",
                                   slack_team=B_TEAM, tenant=B_TENANT), session=session)
    with Session(engine) as session:
        a = session.exec(select(Partnership).where(Partnership.key == "riverside")).one()
        b = session.exec(select(Partnership).where(Partnership.key == "lakeside")).one()
        world = TwoPartnerships(engine, a, b)
        scope = Scope(a.id)
        for model in SCOPED_TABLES:
            if hasattr(model, "id"):
                world.a_ids[model] = list(session.exec(select(model.id).where(scope.where(model)).order_by(model.id)))
    return world
