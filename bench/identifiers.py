"""How long the identifier check takes per message, over the test corpus (it runs on every message).

    .venv/bin/python bench/identifiers.py
"""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.identifiers import ESCALATION, GENERAL, identifying_details  # noqa: E402
from tests.models.identifier_corpus import MUST_PASS, MUST_REFUSE  # noqa: E402

TODAY = date(2026, 11, 23)


def main() -> None:
    texts = [text for _where, text in MUST_REFUSE + MUST_PASS]
    long_text = " ".join(texts)[:1000]
    for where in (ESCALATION, GENERAL):
        rounds = 20
        started = time.perf_counter()
        for _ in range(rounds):
            for text in texts:
                identifying_details(text, today=TODAY, where=where)
        per_call = (time.perf_counter() - started) / (rounds * len(texts))
        started = time.perf_counter()
        for _ in range(rounds):
            identifying_details(long_text, today=TODAY, where=where)
        per_long = (time.perf_counter() - started) / rounds
        print(f"{where:10} {len(texts)} corpus strings: {per_call * 1e6:6.1f} µs a call; "
              f"a 1,000-character message: {per_long * 1e6:7.1f} µs")


if __name__ == "__main__":
    main()
