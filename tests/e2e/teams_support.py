"""What Microsoft Teams renders of Adaptive Cards schema 1.5: the element types, action types and
properties, as an explicit allow-list, and a check of a card against it.

The list follows Microsoft's Teams documentation ("Cards reference", "Format cards in Teams",
"Universal Actions for Adaptive Cards" on learn.microsoft.com): Teams renders schema 1.5 on desktop,
web and mobile, with markdown in TextBlock text and facts only. Left out, because Teams does not
render them everywhere or they do nothing there:

- `Media` (audio and video are not played in Teams' mobile clients);
- the card's `speak` (Teams has no speech output);
- `Input.Text.inlineAction` (not shown in Teams' mobile clients);
- `refresh` and `authentication`, which only work with Action.Execute and user-specific views,
  which AssureBot does not use.

Every name listed must exist in the 1.5 schema (tests/schemas/adaptive-card-1.5.json); a test
checks that, so the list cannot drift into names no renderer knows.
"""

from __future__ import annotations

from typing import Any

ELEMENT = {"type", "id", "spacing", "separator", "isVisible", "height", "fallback", "requires"}
INPUT = ELEMENT | {"isRequired", "errorMessage", "label"}
ACTION = {"type", "id", "title", "iconUrl", "style", "fallback", "tooltip", "isEnabled", "mode", "requires"}

ALLOWED: dict[str, set[str]] = {
    "AdaptiveCard": {"type", "version", "$schema", "body", "actions", "fallbackText", "lang", "minHeight",
                     "verticalContentAlignment", "backgroundImage", "selectAction", "rtl", "msteams"},
    "TextBlock": ELEMENT | {"text", "color", "fontType", "horizontalAlignment", "isSubtle", "maxLines", "size",
                           "weight", "wrap", "style"},
    "RichTextBlock": ELEMENT | {"inlines", "horizontalAlignment"},
    "TextRun": {"type", "text", "color", "fontType", "highlight", "isSubtle", "italic", "selectAction", "size",
                "strikethrough", "underline", "weight"},
    "Image": ELEMENT | {"url", "altText", "backgroundColor", "horizontalAlignment", "selectAction", "size",
                       "style", "width"},
    "ImageSet": ELEMENT | {"images", "imageSize"},
    "FactSet": ELEMENT | {"facts"},
    "Fact": {"title", "value"},
    "Container": ELEMENT | {"items", "selectAction", "style", "verticalContentAlignment", "bleed",
                           "backgroundImage", "minHeight", "rtl"},
    "ColumnSet": ELEMENT | {"columns", "selectAction", "style", "bleed", "minHeight", "horizontalAlignment"},
    "Column": ELEMENT - {"height"} | {"items", "backgroundImage", "bleed", "minHeight", "rtl", "selectAction", "style",
                        "verticalContentAlignment", "width"},
    "ActionSet": ELEMENT | {"actions"},
    "Table": ELEMENT | {"columns", "rows", "firstRowAsHeader", "showGridLines", "gridStyle",
                       "horizontalCellContentAlignment", "verticalCellContentAlignment"},
    "TableRow": {"type", "cells", "style", "horizontalCellContentAlignment", "verticalCellContentAlignment"},
    "TableCell": {"type", "items", "selectAction", "style", "verticalContentAlignment", "bleed",
                  "backgroundImage", "minHeight", "rtl"},
    "Input.Text": INPUT | {"isMultiline", "maxLength", "placeholder", "style", "value", "regex"},
    "Input.Number": INPUT | {"max", "min", "placeholder", "value"},
    "Input.Date": INPUT | {"max", "min", "placeholder", "value"},
    "Input.Time": INPUT | {"max", "min", "placeholder", "value"},
    "Input.Toggle": INPUT | {"title", "value", "valueOff", "valueOn", "wrap"},
    "Input.ChoiceSet": INPUT | {"choices", "isMultiSelect", "style", "value", "placeholder", "wrap"},
    "Input.Choice": {"title", "value"},
    "Action.Submit": ACTION | {"data", "associatedInputs"},
    "Action.OpenUrl": ACTION | {"url"},
    "Action.ShowCard": ACTION | {"card"},
    "Action.ToggleVisibility": ACTION | {"targetElements"},
    "Action.Execute": ACTION | {"verb", "data", "associatedInputs"},
}
# Objects without a `type` of their own, named by where they sit.
UNTYPED_CHILDREN = {"facts": "Fact", "choices": "Input.Choice"}
CHILDREN = ("body", "items", "columns", "actions", "inlines", "images", "rows", "cells")
# A ShowCard's card is a card of its own, but Teams reads only these from it.
SHOW_CARD = {"type", "body", "actions", "fallbackText", "lang", "minHeight", "verticalContentAlignment",
             "backgroundImage", "selectAction", "rtl", "version", "$schema"}


def unsupported(card: dict) -> list[str]:
    """Each element, action or property of the card that Teams does not render in schema 1.5."""
    problems: list[str] = []

    def visit(node: Any, kind: str | None, where: str, show_card: bool = False) -> None:
        if not isinstance(node, dict):
            return
        kind = node.get("type", kind)
        if kind not in ALLOWED:
            problems.append(f"{where}: {kind or 'an object without a type'} is not rendered by Teams")
            return
        allowed = SHOW_CARD if show_card else ALLOWED[kind]
        for key in sorted(set(node) - allowed):
            problems.append(f"{where}: {kind} has `{key}`, which Teams does not support")
        if kind == "AdaptiveCard" and not show_card and str(node.get("version")) not in ("1.0", "1.1", "1.2", "1.3",
                                                                                         "1.4", "1.5"):
            problems.append(f"{where}: version {node.get('version')!r} is not one Teams renders (up to 1.5)")
        for key in CHILDREN:
            if kind == "Table" and key == "columns":
                continue  # column definitions (widths), not elements
            for index, child in enumerate(node.get(key) or []):
                visit(child, None, f"{where}/{key}/{index}")
        for key, child_kind in UNTYPED_CHILDREN.items():
            for index, child in enumerate(node.get(key) or []):
                visit(child, child_kind, f"{where}/{key}/{index}")
        if kind == "Action.ShowCard":
            visit(node.get("card"), "AdaptiveCard", f"{where}/card", show_card=True)
        for key in ("selectAction", "fallback"):
            if isinstance(node.get(key), dict):
                visit(node[key], None, f"{where}/{key}")

    visit(card, "AdaptiveCard", "card")
    return problems


def schema_properties(schema: dict, kind: str) -> set[str]:
    """Every property the 1.5 schema gives an element or action type, its inherited ones included."""
    definitions = schema["definitions"]
    found: set[str] = set()

    def gather(definition: dict) -> None:
        found.update(name.rstrip("?") for name in definition.get("properties", {}))  # the schema writes `rtl?`
        for part in definition.get("allOf", []) + definition.get("anyOf", []):
            if "$ref" in part:
                gather(definitions[part["$ref"].rsplit("/", 1)[1]])
            else:
                gather(part)

    gather(definitions[kind])
    return found
