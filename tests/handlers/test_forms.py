"""A form's answers are checked by the rules its fields carry, and a form the handler refuses comes
back filled in as it was sent, with each problem under its field."""

from datetime import date

from sqlmodel import Session, select

from handlers.forms import answer_problem
from messages.plain import render_plain
from models.work import Action, DataReturn
from tests.conftest import ADMIN, AUDIT_CHAIR, CHAIR, HOUSING, POLICE

NHS_NUMBER = "943 476 5919"
RETURN = {"title": "Dataset Q4", "kind": "dataset", "agency": "police", "owner": POLICE, "period": "Q4 2026/27",
          "due": "2027-04-15"}
ACTION = {"title": "Brief housing officers on the policy", "owner": HOUSING, "due": "2027-01-29", "source": ""}


def saved(demo, model) -> int:
    with Session(demo) as session:
        return len(session.exec(select(model)).all())


def initial(reply, name: str) -> str | None:
    return next(f.initial for f in reply.form.fields if f.name == name)


async def test_a_return_form_with_a_date_that_does_not_exist_comes_back_with_the_other_answers(chat, demo):
    before = saved(demo, DataReturn)
    reply = await chat(ADMIN, "return add", form={**RETURN, "due": "2027-02-31"})
    assert reply.is_error and not reply.changed and saved(demo, DataReturn) == before
    assert reply.form is not None and reply.form.command == "return add"
    assert reply.errors == {"due": "There is no 31 February 2027."}
    assert [initial(reply, n) for n in ("title", "kind", "agency", "owner", "period", "due")] == [
        "Dataset Q4", "dataset", "police", POLICE, "Q4 2026/27", None]


async def test_a_return_form_whose_owner_is_from_another_agency_is_marked_on_the_owner(chat, demo):
    reply = await chat(ADMIN, "return add", form={**RETURN, "owner": CHAIR})
    assert reply.form is not None and set(reply.errors) == {"owner"}
    assert "Helen Carter is not from Riverside Police" in reply.errors["owner"]
    assert initial(reply, "title") == "Dataset Q4" and initial(reply, "due") == "2027-04-15"
    fixed = await chat(ADMIN, "return add", form={**RETURN})
    assert fixed.changed and "Added return" in fixed.text


async def test_an_action_form_with_an_owner_who_is_not_a_member_comes_back_marked(chat, demo):
    before = saved(demo, Action)
    reply = await chat(ADMIN, "action add", form={**ACTION, "owner": "nobody@nowhere.example.org"})
    assert reply.form is not None and reply.form.command == "action add" and saved(demo, Action) == before
    assert "Not a member of the partnership" in reply.errors["owner"]
    assert initial(reply, "title") == ACTION["title"] and initial(reply, "due") == "2027-01-29"
    assert chat.sent == []


async def test_an_action_form_for_someone_the_chair_may_not_give_actions_to_is_marked_on_the_owner(chat):
    reply = await chat(AUDIT_CHAIR, "action add", form=ACTION)
    assert reply.form is not None and "give actions to Aisha Rahman" in reply.errors["owner"]


async def test_an_action_form_with_a_childs_details_keeps_the_rest_and_never_the_detail(chat, demo):
    reply = await chat(CHAIR, "action add", form={**ACTION, "title": f"Visit the family of NHS {NHS_NUMBER}",
                                                  "due": "2027-02-30"})
    assert set(reply.errors) == {"title", "due"}  # every answer checked, not only the first
    assert "NHS number" in reply.errors["title"]
    assert NHS_NUMBER not in render_plain(reply) and "[NHS number removed]" in initial(reply, "title")
    assert saved(demo, Action) == 6


async def test_a_good_action_form_is_saved(chat, demo):
    reply = await chat(CHAIR, "action add", form=ACTION)
    assert reply.changed and "for Aisha Rahman, due Fri 29 Jan 2027" in reply.text


async def test_the_return_form_names_each_kind_as_people_say_it(chat):
    form = (await chat(ADMIN, "return add")).form
    kinds = next(f for f in form.fields if f.name == "kind").options
    assert [c.label for c in kinds] == ["Multi-agency dataset", "Section 11 self-assessment",
                                        "Section 175/157 audit", "Self-assessment", "Multi-agency audit", "Return"]
    assert [c.value for c in kinds][:2] == ["dataset", "s11"]


async def test_each_field_rule_is_the_one_the_handler_applies(chat):
    """The console asks each answer with answer_problem; the same answers sent whole are refused alike."""
    form = (await chat(ADMIN, "action add")).form
    fields = {f.name: f for f in form.fields}
    today = date(2026, 11, 23)
    assert answer_problem(fields["due"], "2027-02-31", today) == "There is no 31 February 2027."
    assert answer_problem(fields["due"], "Friday", today) is None
    assert "NHS number" in answer_problem(fields["title"], f"NHS {NHS_NUMBER}", today)
    assert answer_problem(fields["title"], "", today) == "Please answer this one."
    assert answer_problem(fields["source"], "", today) is None
    assert answer_problem(fields["source"], "x" * 201, today).startswith("At most 200 characters; this is 201.")
    sent = await chat(ADMIN, "action add", form={**ACTION, "source": "x" * 201})
    assert sent.errors["source"] == answer_problem(fields["source"], "x" * 201, today)


async def test_a_paper_form_with_an_owner_who_is_not_a_member_comes_back_marked(chat):
    reply = await chat(CHAIR, "paper add", form={"group": "arg", "title": "Dataset Q3 commentary",
                                                 "owner": "nobody@nowhere.example.org"})
    assert reply.form is not None and set(reply.errors) == {"owner"}
    assert initial(reply, "title") == "Dataset Q3 commentary" and initial(reply, "group") == "arg"
    unknown_group = await chat(CHAIR, "paper add", form={"group": "nosuch", "title": "Q3", "owner": POLICE})
    assert unknown_group.form is not None and set(unknown_group.errors) == {"group"}


async def test_a_progress_update_form_checks_its_answer_like_the_line_does(chat):
    form = (await chat(POLICE, "action update 3")).form
    text = form.fields[0]
    assert "NHS number" in answer_problem(text, f"Spoke to the family of {NHS_NUMBER}", date(2026, 11, 23))
    reply = await chat(POLICE, "action update 3", form={"text": f"Spoke to the family of {NHS_NUMBER}"})
    assert reply.form is not None and "NHS number" in reply.errors["text"] and not reply.changed
    assert NHS_NUMBER not in (initial(reply, "text") or "")


async def test_a_form_with_its_rules_can_be_queued_and_read_back(chat):
    import json

    from messages.payload import reply_from_payload, reply_to_payload

    reply = await chat(ADMIN, "action add")
    back = reply_from_payload(json.loads(json.dumps(reply_to_payload(reply))))
    assert back.form == reply.form and all(f.check is None for f in back.form.fields)


async def test_a_meeting_form_with_a_bad_date_or_time_comes_back_filled_in(chat):
    reply = await chat(CHAIR, "meeting add", form={"group": "arg", "date": "31/02/2027", "time": "25:00",
                                                   "location": "Council House"})
    assert reply.form is not None and reply.is_error
    assert "There is no 31 February 2027" in reply.errors["date"]
    assert "25:00" in reply.errors["time"]
    kept = {f.name: f.initial for f in reply.form.fields}
    assert kept["location"] == "Council House" and kept["group"] == "arg"


async def test_a_member_form_with_a_bad_email_comes_back_filled_in(chat):
    reply = await chat(ADMIN, "member add", form={"name": "Sam Lee", "email": "sam lee at housing",
                                                  "agency": "housing"})
    assert reply.form is not None and "Give their work email" in reply.errors["email"]
    assert {f.name: f.initial for f in reply.form.fields}["name"] == "Sam Lee"
