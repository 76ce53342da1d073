"""The app manifests people upload: the Teams package written by `assurebot teams-package`, checked
against Microsoft's schema for its own manifestVersion (from the npm package @microsoft/app-manifest),
and slack-manifest.yaml against Slack's published manifest schema (schemas/README.md).

tests/bot/test_slack_manifest.py checks that the Slack manifest asks for what the adapter answers;
here only that it is a manifest Slack accepts, field by field.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from jsonschema import ValidationError, validators
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource

from tests.e2e.tools import E2E, NODE_MODULES

pytestmark = pytest.mark.e2e

ROOT = E2E.parents[1]
TEAMS_SCHEMAS = NODE_MODULES / "@microsoft" / "app-manifest" / "build" / "json-schemas" / "teams"
SLACK_SCHEMAS = {1: E2E / "schemas" / "slack-manifest.schema.1.0.0.json"}
APP_ID = "5d2f1c3e-0000-4000-8000-000000000001"


def problems(instance: dict, schema: dict, *, folder: Path | None = None, extra: dict | None = None) -> list[str]:
    """Every way `instance` breaks `schema`, with any `$ref` to another file read from `folder` (never
    fetched), as `path: message`."""
    def from_folder(uri: str) -> Resource:
        path = (folder / uri.rsplit("/", 1)[-1]) if folder else None
        if path is None or not path.exists():
            raise NoSuchResource(ref=uri)
        return Resource.from_contents(json.loads(path.read_text(encoding="utf-8")))

    base = validators.validator_for(schema)
    checker = validators.extend(base, extra or {}) if extra else base
    validator = checker(schema, registry=Registry(retrieve=from_folder), format_checker=base.FORMAT_CHECKER)
    return sorted(f"{'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message[:240]}"
                  for error in validator.iter_errors(instance))


def teams_package(folder: Path) -> zipfile.ZipFile:
    """The zip `assurebot teams-package` writes, made by the installed command as a person would."""
    output = folder / "assurebot-teams.zip"
    command = Path(sys.executable).parent / "assurebot"
    env = {k: v for k, v in os.environ.items() if k != "MICROSOFT_APP_ID"}
    done = subprocess.run([str(command), "teams-package", "--app-id", APP_ID, "--domain", "assurebot.example.org",
                           "--output", str(output)], capture_output=True, text=True, env=env, cwd=folder,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return zipfile.ZipFile(output)


def teams_problems(manifest: dict, files: set[str]) -> list[str]:
    version = manifest.get("manifestVersion")
    folder = TEAMS_SCHEMAS / f"v{version}"
    schema_path = folder / "MicrosoftTeams.schema.json"
    if not schema_path.exists():
        return [f"manifestVersion {version!r}: @microsoft/app-manifest has no schema for it"]
    found = problems(manifest, json.loads(schema_path.read_text(encoding="utf-8")), folder=folder)
    if not str(manifest.get("$schema", "")).endswith(f"/v{version}/MicrosoftTeams.schema.json"):
        found.append(f"$schema: {manifest.get('$schema')!r} is not the schema of manifestVersion {version}")
    for role, name in (manifest.get("icons") or {}).items():
        if name not in files:
            found.append(f"icons/{role}: {name} is not in the package")
    return found


def test_the_teams_package_manifest_is_valid_for_its_own_manifest_version(tmp_path, e2e_tools):
    package = teams_package(tmp_path)
    manifest = json.loads(package.read("manifest.json"))
    assert teams_problems(manifest, set(package.namelist())) == []


def test_the_teams_check_names_a_field_teams_does_not_know_and_a_missing_icon(tmp_path, e2e_tools):
    package = teams_package(tmp_path)
    manifest = json.loads(package.read("manifest.json"))
    manifest["bots"][0]["scope"] = ["personal"]
    manifest["icons"]["outline"] = "outline-32.png"
    del manifest["developer"]["name"]
    found = teams_problems(manifest, set(package.namelist()))
    assert any(p.startswith("bots/0: Additional properties are not allowed ('scope'") for p in found), found
    assert any(p.startswith("developer: 'name' is a required property") for p in found), found
    assert "icons/outline: outline-32.png is not in the package" in found


def regex(validator, expected: str, instance: object, schema: dict):
    """Slack's `regex` keyword, read as JSON Schema's `pattern`."""
    if isinstance(instance, str) and not re.search(expected, instance):
        yield ValidationError(f"{instance!r} does not match {expected!r}")


def slack_problems(manifest: dict) -> list[str]:
    major = (manifest.get("_metadata") or {}).get("major_version", 1)
    if major not in SLACK_SCHEMAS:
        return [f"_metadata/major_version: {major} has no Slack schema in tests/e2e/schemas"]
    schema = json.loads(SLACK_SCHEMAS[major].read_text(encoding="utf-8"))
    return problems(manifest, schema, extra={"regex": regex})  # Slack writes some patterns as `regex`


def slack_manifest() -> dict:
    return yaml.safe_load((ROOT / "slack-manifest.yaml").read_text(encoding="utf-8"))


def test_the_slack_manifest_has_only_fields_slack_documents_with_values_it_accepts():
    assert slack_problems(slack_manifest()) == []


def test_the_slack_check_names_a_misspelt_field_a_long_name_and_a_bad_colour():
    manifest = slack_manifest()
    manifest["features"]["bot_user"]["always_onlline"] = True
    manifest["display_information"]["name"] = "AssureBot for the Riverside partnership"
    manifest["display_information"]["background_color"] = "#1d4e8"
    found = slack_problems(manifest)
    assert any(p.startswith("features/bot_user: Additional properties are not allowed ('always_onlline'")
               for p in found), found
    assert any(p.startswith("display_information/name: 'AssureBot for the Riverside partnership' is too long")
               for p in found), found
    assert any(p.startswith("display_information/background_color: '#1d4e8' does not match") for p in found), found
