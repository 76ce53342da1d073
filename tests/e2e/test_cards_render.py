"""What people see of each card in Teams: every collected card rendered by Microsoft's Adaptive Cards
renderer in headless Chromium, in Teams' light, dark and high-contrast themes, on a phone (324 px)
and on a desktop (560 px). A screenshot of each is kept in tests/e2e/screenshots/<theme>-<width>/.

A card fails on anything the renderer warns about while reading it, text cut off or sticking out of
the card, a button whose title is cut short, or text with a contrast below 4.5:1 against what is
behind it (checked with every ShowCard of the card open in turn, too).
"""

from __future__ import annotations

import json
import struct

import pytest

from tests.e2e.conftest import run_apart
from tests.e2e.rendering import render_all
from tests.e2e.tools import OUT, THEMES, WIDTHS

pytestmark = pytest.mark.e2e

WAYS = [f"{theme.name}-{width}" for theme in THEMES for width in WIDTHS]


def described(collected, problems: dict[str, list[str]]) -> str:
    """One line per problem, naming the card (and how many other names the same card was sent under)."""
    also = {first: len(names) - 1 for first, names in collected.unique().items()}
    lines = []
    for name, found in sorted(problems.items()):
        suffix = f" (also sent as {also[name]} other names)" if also.get(name) else ""
        lines += [f"{name}{suffix}: {problem}" for problem in found]
    return "\n".join(lines)


@pytest.mark.parametrize("way", WAYS)
def test_every_card_reads_in_full_and_clearly(rendered, collected, way):
    result = rendered[way]
    assert result.count == len(collected.unique())
    report = OUT / f"render-problems-{way}.txt"
    report.write_text(described(collected, result.problems) + "\n", encoding="utf-8")
    if result.problems:
        pytest.fail(f"{len(result.problems)} cards in Teams {result.theme} at {result.width} px:\n"
                    + described(collected, result.problems), pytrace=False)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_a_screenshot_is_kept_of_every_card_in_every_theme_at_every_width(rendered, collected):
    for way in WAYS:
        folder = rendered[way].screenshots
        for name in collected.cards:
            width, height = png_size((folder / f"{name}.png").read_bytes())
            assert width == rendered[way].width + 4 and height > 40  # the card inside Teams' 2 px border


BAD_CARD = {
    "type": "AdaptiveCard", "version": "1.5", "body": [
        {"type": "TextBlock", "text": "A heading far too long to fit on one line of a phone without wrapping"},
        {"type": "TextBlock", "text": "Green on white", "color": "good", "wrap": True},
        {"type": "TextBlock", "text": "Twice", "id": "same"}, {"type": "TextBlock", "text": "Again", "id": "same"},
        {"type": "Input.ChoiceSet", "id": "kind", "style": "compact", "choices": [
            {"title": "A choice whose title is much longer than any phone's dropdown is wide", "value": "a"}]},
    ],
    "actions": [{"type": "Action.Submit", "title": "A button title far too long to fit on the card of a phone at all"}]}


def test_the_checks_name_each_kind_of_problem_on_a_card_that_has_them_all(site, tmp_path):
    result = run_apart(lambda: render_all(site.url, {"bad": json.loads(json.dumps(BAD_CARD))}, tmp_path))
    problems = "\n".join(result["light-324"].problems["bad"])
    assert "renderer: Validation DuplicateId" in problems
    assert 'text ends in an ellipsis: "A heading far too long' in problems
    assert 'low contrast' in problems and '"Green on white"' in problems
    assert 'button title cut: "A button title far too long' in problems
    assert 'choice cut in the closed dropdown: "A choice whose title' in problems


PHONE_SCREEN = 640  # px of a 360 px wide phone's screen left for a card under Teams' own bars


def test_help_fits_one_phone_screen_for_each_role(rendered, collected):
    phone = rendered["light-324"]
    helps = [name for name in collected.cards if name.endswith("-help") and not name.startswith("channel")]
    assert len(helps) >= 4
    for name in helps:
        _width, height = png_size((phone.screenshots / f"{name}.png").read_bytes())
        assert height <= PHONE_SCREEN, f"{name} is {height} px tall on a phone"
