"""The core never imports a platform SDK: only bot/ talks to Slack and Teams."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE = ["handlers", "models", "schedules", "messages"]
PLATFORM_PACKAGES = ("slack_bolt", "slack_sdk", "botbuilder", "botframework")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", CORE)
def test_core_packages_import_no_platform_sdk(package):
    files = list((ROOT / package).rglob("*.py"))
    assert files, f"{package} has no modules"
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path) if m.startswith(PLATFORM_PACKAGES))
        for path in files
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_check_itself_spots_a_platform_import(tmp_path):
    sample = tmp_path / "leak.py"
    sample.write_text("from slack_sdk.models.blocks import SectionBlock\nimport botbuilder.core\n")
    assert {"slack_sdk.models.blocks", "botbuilder.core"} <= imported_modules(sample)
