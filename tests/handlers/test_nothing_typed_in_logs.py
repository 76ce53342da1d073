"""An escalation's summary, its stage notes and its outcome never reach a log, at any level, even
with the database's statement log turned on."""

import logging

from tests.conftest import CHAIR, PRACTITIONER

SUMMARY = "Zebra summary: the health visitor could not get a strategy meeting"
NOTE = "Quokka note: discussed with the team manager"
OUTCOME = "Narwhal outcome: joint visit agreed and the plan updated"


async def test_an_escalations_words_stay_out_of_every_log(chat, caplog):
    statements = logging.getLogger("sqlalchemy.engine")
    statements.setLevel(logging.INFO)  # as someone looking into a problem might
    try:
        with caplog.at_level(logging.DEBUG):
            saved = await chat(PRACTITIONER, "escalate", form={"category": "practice", "urgency": "routine",
                                                               "summary": SUMMARY})
            number = saved.title.split()[1].removeprefix("E")
            assert not (await chat(CHAIR, f"escalation ack {number}")).is_error
            assert not (await chat(CHAIR, f"escalation stage {number} 2 {NOTE}")).is_error
            closed = await chat(CHAIR, f"escalation close {number} {OUTCOME}")
            assert not closed.is_error, closed.text
    finally:
        statements.setLevel(logging.NOTSET)
    assert any(r.name.startswith("sqlalchemy.engine") for r in caplog.records), "the statement log was not on"
    for words in (SUMMARY, NOTE, OUTCOME):
        assert words.split(":")[0] not in caplog.text
