"""The shape of the code: layers point one way, no import cycles, only bot/ talks to Slack and Teams,
and no module grows past what one person can read top to bottom.

    bot/                     CLI, server, console, Slack and Teams adapters, composition
     |
     v
    handlers/  schedules/    verbs; rules and jobs (neither imports the other)
     |           |
     v           v
    messages/  models/       words and renderers; tables, queries, calendar, identifier check

Every import counts, including those inside functions: an import moved into a function to dodge
a cycle is still a cycle.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "schedules", "messages", "models", "migrations")
MAY_IMPORT = {
    "bot": {"bot", "handlers", "schedules", "messages", "models"},
    "handlers": {"handlers", "messages", "models"},
    "schedules": {"schedules", "messages", "models"},
    "messages": {"messages"},
    "models": {"models", "migrations"},
    "migrations": {"migrations", "models"},
}
PLATFORM_PACKAGES = ("slack_bolt", "slack_sdk", "botbuilder", "botframework")
MAX_LINES = 500
MAX_ADAPTER_LINES = 400


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import in the file, at any depth; relative imports made absolute."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    own = module_name(path) if path.is_relative_to(ROOT) else path.stem
    package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((node.lineno, base))
            # `from package import module` imports the module too.
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def project_files() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def project_modules() -> dict[str, Path]:
    return {module_name(p): p for p in project_files()}


def graph() -> dict[str, dict[str, int]]:
    """module -> {imported project module: line}."""
    modules = project_modules()
    edges: dict[str, dict[str, int]] = {}
    for name, path in modules.items():
        targets: dict[str, int] = {}
        for line, imported in imports_of(path):
            if imported in modules and imported != name:
                targets.setdefault(imported, line)
        edges[name] = targets
    return edges


def upward_imports() -> list[str]:
    problems = []
    for name, targets in graph().items():
        layer = name.split(".")[0]
        for target, line in targets.items():
            if target.split(".")[0] not in MAY_IMPORT[layer]:
                problems.append(f"{project_modules()[name].relative_to(ROOT)}:{line} imports {target}")
    return sorted(problems)


def cycles() -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    edges = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_layers_point_one_way():
    assert upward_imports() == []


def test_there_is_no_import_cycle():
    described = []
    edges = graph()
    for group in cycles():
        members = set(group)
        described.append([f"{m} -> {t} (line {line})" for m in group for t, line in edges[m].items() if t in members])
    assert described == []


@pytest.mark.parametrize("package", ["handlers", "models", "schedules", "messages"])
def test_core_packages_import_no_platform_sdk(package):
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for _line, m in imports_of(path) if m.startswith(PLATFORM_PACKAGES))
        for path in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_module_is_longer_than_one_person_reads_at_a_sitting():
    too_long = {}
    for path in project_files():
        if "migrations" in path.parts:
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        adapter = path.parts[len(ROOT.parts)] == "bot" and path.parent.name in ("slack", "teams")
        limit = MAX_ADAPTER_LINES if adapter else MAX_LINES
        if lines > limit:
            too_long[str(path.relative_to(ROOT))] = lines
    assert too_long == {}


def test_the_checks_themselves_spot_an_upward_import_and_a_cycle(tmp_path, monkeypatch):
    sample = tmp_path / "leak.py"
    sample.write_text("from slack_sdk.models.blocks import SectionBlock\nimport botbuilder.core\n"
                      "def later():\n    from bot.cli import main\n")
    assert {"slack_sdk.models.blocks", "botbuilder.core", "bot.cli"} <= {m for _l, m in imports_of(sample)}
    fake = {"models.a": {"handlers.b": 3}, "handlers.b": {"models.a": 7}}
    monkeypatch.setattr(sys.modules[__name__], "graph", lambda: fake)
    assert cycles() == [["handlers.b", "models.a"]]
