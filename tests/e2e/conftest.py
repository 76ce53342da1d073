"""Fixtures of the end-to-end tests: the tools they need (failing, never skipping, when one is
missing), the pages' web server, the collected cards and their rendering.

These tests are marked `e2e` and left out of the default test run; run them with
`.venv/bin/pytest -q -m e2e tests/e2e` (see the README).
"""

from __future__ import annotations

import asyncio
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest

from models.db import make_engine
from tests.e2e.tools import StaticSite, missing_tools


def run_apart(make_coroutine):
    """Run a coroutine to the end on an event loop of its own, away from the tests' loops."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()


@pytest.fixture(scope="session")
def e2e_tools() -> None:
    missing = missing_tools()
    if missing:
        pytest.fail("The end-to-end tests need:\n- " + "\n- ".join(missing), pytrace=False)


@pytest.fixture(scope="session")
def site(e2e_tools):
    with StaticSite() as served:
        yield served


@pytest.fixture
def engine(tmp_path, sqlite_template):
    """SQLite only: these tests look at what people see, which does not depend on the database."""
    path = tmp_path / "test.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def collected():
    """Every card the bot sends in Teams, collected once and saved under tests/e2e/out/cards."""
    from tests.e2e.collect import OUT, collect_everything

    collection = run_apart(collect_everything)
    collection.save(OUT)
    return collection


@pytest.fixture(scope="session")
def rendered(collected, site):
    """Each different card rendered in every Teams theme at every width (see rendering.py)."""
    from tests.e2e.rendering import render_all

    distinct = collected.unique()
    return run_apart(lambda: render_all(site.url, {name: collected.cards[name] for name in distinct},
                                        aliases=distinct))
