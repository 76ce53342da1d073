"""JSON columns keep what is put in them, whatever the words: names with accents, dashes and
emoji, numbers as keys, nesting; and a value the outbox has already encoded is written as it is."""

from __future__ import annotations

import json

from sqlalchemy import text
from sqlmodel import select

from models.db import EncodedJSON, encode_json, json_text, session_for
from models.delivery import ConversationRef

CARD = {"type": "AdaptiveCard", "body": [{"type": "TextBlock", "text": "Zoë O’Brien — 3 actions due 🙂"}],
        "counts": {1: "one", 2: "two"}, "flags": [True, False, None], "size": 2.5, "big": 2**62}


def test_json_text_is_the_json_that_json_dumps_would_write():
    assert json.loads(json_text(CARD)) == json.loads(json.dumps(CARD))
    assert "Zoë O’Brien — 3 actions due 🙂" in json_text(CARD)  # UTF-8 as it is, not \\u escapes
    assert encode_json(EncodedJSON('{"already": "encoded"}')) == '{"already": "encoded"}'


def test_a_json_column_gives_back_what_was_written_on_each_database(engine):
    with session_for(engine) as session:
        session.add(ConversationRef(conversation_id="a:1", reference=CARD))
        session.add(ConversationRef(conversation_id="a:2", reference=EncodedJSON(json_text({"kept": "é"}))))
        session.commit()
    with session_for(engine) as session:
        read = {row.conversation_id: row.reference for row in session.exec(select(ConversationRef))}
        stored = session.execute(text("SELECT reference FROM conversation_ref WHERE conversation_id = 'a:1'")).scalar()
    assert read["a:1"] == json.loads(json.dumps(CARD))  # number keys come back as text, as with json
    assert read["a:2"] == {"kept": "é"}
    assert (json.loads(stored) if isinstance(stored, str) else stored) == read["a:1"]
