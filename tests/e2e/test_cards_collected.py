"""Every Adaptive Card the bot sends in Teams is collected and saved, and uses only what Teams renders
in schema 1.5."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft6Validator

from handlers.dispatch import REGISTRY
from tests.e2e.collect import NHS_NUMBER, OUT, ROLES, slug, words
from tests.e2e.teams_support import ALLOWED, schema_properties, unsupported
from tests.fakes.teams_world import card_schema

pytestmark = pytest.mark.e2e

TEAMS_EXTENSIONS = {"msteams"}  # Teams' own property on a card, not part of the Adaptive Cards schema


def test_each_role_s_examples_buttons_forms_refusals_and_ten_days_of_digests_are_collected(collected,
                                                                                          report_figure):
    names = set(collected.cards)
    for role in ROLES:
        assert f"{role}-welcome" in names
        missing = [verb.example for verb in REGISTRY.values() if f"{role}-{slug(verb.example)}" not in names]
        assert missing == [], f"no card for {role} typing {missing}"
        assert "Did you mean quorum?" in words(collected.cards[f"{role}-typo-quorom"])
        refused = collected.cards[f"{role}-escalate-form-nhs-number-updated"]
        assert "NHS number" in words(refused) and "Nothing has been saved" in words(refused)
        assert NHS_NUMBER not in json.dumps(refused)
        assert "saved" in words(collected.cards[f"{role}-escalate-form-corrected-updated"])
    assert "Only the business unit" in words(collected.cards[f"practitioner-{slug(REGISTRY['member add'].example)}"])
    assert "not registered" in words(collected.cards["stranger-whoami"])
    assert len([n for n in names if "-press-" in n]) >= 40
    assert len([n for n in names if n.endswith(("-empty", "-empty-updated"))]) >= 20
    assert len([n for n in names if n.endswith(("-filled", "-filled-updated"))]) >= 20
    assert len([n for n in names if "-to-" in n]) >= 20  # notices to other people
    days = {name.split("-", 1)[1][:10] for name in names if name.startswith("digest-")}
    assert len(days) == 10, sorted(days)
    saved = {path.stem for path in (OUT).glob("*.json")}
    assert saved == names
    distinct = collected.unique()
    report_figure(f"e2e: {len(names)} Teams cards collected ({len(distinct)} different), saved in "
                  f"tests/e2e/out/cards")
    print(f"\n{len(names)} cards collected ({len(distinct)} different):\n" + "\n".join(sorted(names)))


def test_every_card_is_valid_adaptive_card_1_5_and_uses_only_what_teams_renders(collected):
    problems = {}
    validator = Draft6Validator(card_schema())
    for name, card in collected.cards.items():
        found = [f"schema: {'/'.join(map(str, e.absolute_path))}: {e.message[:160]}"
                 for e in validator.iter_errors(card)]
        found += unsupported(card)
        if found:
            problems[name] = found
    if problems:
        pytest.fail(f"{len(problems)} cards Teams would not render as sent:\n"
                    + "\n".join(f"{name}: {p}" for name, ps in problems.items() for p in ps), pytrace=False)


def test_the_allow_list_names_only_what_adaptive_cards_1_5_has():
    schema = card_schema()
    invented = {kind: sorted(props - schema_properties(schema, kind) - TEAMS_EXTENSIONS)
                for kind, props in ALLOWED.items()}
    assert {kind: props for kind, props in invented.items() if props} == {}


def test_the_allow_list_check_names_what_teams_would_not_render():
    card = {"type": "AdaptiveCard", "version": "1.6", "speak": "Hello", "body": [
        {"type": "Media", "sources": []},
        {"type": "Input.Text", "id": "a", "inlineAction": {"type": "Action.Submit", "title": "Go"}},
        {"type": "FactSet", "facts": [{"title": "a", "value": "b", "colour": "red"}]}],
        "actions": [{"type": "Action.ShowCard", "title": "More", "card": {"type": "AdaptiveCard", "speak": "x",
                                                                         "body": []}}]}
    assert unsupported(card) == [
        "card: AdaptiveCard has `speak`, which Teams does not support",
        "card: version '1.6' is not one Teams renders (up to 1.5)",
        "card/body/0: Media is not rendered by Teams",
        "card/body/1: Input.Text has `inlineAction`, which Teams does not support",
        "card/body/2/facts/0: Fact has `colour`, which Teams does not support",
        "card/actions/0/card: AdaptiveCard has `speak`, which Teams does not support",
    ]
