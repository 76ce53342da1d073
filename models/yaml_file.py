"""Reading a partnership's YAML file: safe YAML, every mapping knowing its line, and limits.

Only plain YAML is read: no tags that build objects (a SafeLoader), no aliases (`*name` repeats
another part of the file, and nested ones multiply past any computer's memory), at most
MAX_YAML_BYTES and MAX_YAML_NODES. A refusal names the line, never the values.
"""

from __future__ import annotations

from typing import Any

import yaml


class LoadError(ValueError):
    """The file could not be loaded; `problems` lists each with its line and field."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class _Mapping(dict):
    """A YAML mapping that remembers the line each key was on."""

    line: int = 0
    key_lines: dict[str, int]


class _Refused(yaml.MarkedYAMLError):
    """Well-formed YAML that a partnership file may not use."""


MAX_YAML_BYTES = 5 * 1024 * 1024  # a partnership of thousands of members is well under a megabyte
MAX_YAML_NODES = 500_000  # values, lists and mappings in one file


class _LineLoader(yaml.SafeLoader):
    """Safe YAML that remembers lines, and refuses aliases: `*name` repeats another part of the
    file, and nested ones multiply into more than any computer holds."""

    nodes = 0

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            raise _Refused(None, None, "aliases (*name) are not allowed in a partnership file; write each value "
                           "out in full", self.peek_event().start_mark)
        self.nodes += 1
        if self.nodes > MAX_YAML_NODES:
            raise _Refused(None, None, f"the file has more than {MAX_YAML_NODES:,} values; load the partnership "
                           f"in several files", self.peek_event().start_mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> _Mapping:  # type: ignore[override]
        mapping = _Mapping(super().construct_mapping(node, deep=deep))
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {str(k.value): k.start_mark.line + 1 for k, _v in node.value}
        return mapping


_LineLoader.add_constructor(
    "tag:yaml.org,2002:map", lambda loader, node: loader.construct_mapping(node, deep=True)
)


def parse_yaml(text: str) -> dict[str, Any]:
    if len(text) > MAX_YAML_BYTES:
        raise LoadError([f"the file is {len(text) / (1024 * 1024):.1f} MB; the most AssureBot loads is "
                         f"{MAX_YAML_BYTES // (1024 * 1024)} MB. Load the partnership in several files."])
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 (a SafeLoader subclass)
    except _Refused as exc:
        raise LoadError([f"line {exc.problem_mark.line + 1}: {exc.problem}"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise LoadError([f"{where}this is not valid YAML ({getattr(exc, 'problem', exc)})"]) from None
    if not isinstance(data, dict):
        raise LoadError(["line 1: the file must be a mapping with partnership, agencies, members, groups..."])
    return data


