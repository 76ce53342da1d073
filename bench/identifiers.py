"""How long the identifier check and the masking take per message, over the test corpus (the check
runs on every message; masking on every refused form and every reply that quotes what was typed).

    .venv/bin/python bench/identifiers.py
"""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.identifiers import ESCALATION, GENERAL, identifying_details, mask_identifiers  # noqa: E402
from tests.models.identifier_corpus import MUST_PASS, MUST_REFUSE  # noqa: E402

TODAY = date(2026, 11, 23)


def _per_call(check, texts: list[str], where: str, rounds: int) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            check(text, today=TODAY, where=where)
    return (time.perf_counter() - started) / (rounds * len(texts))


def main() -> None:
    texts = [text for _where, text in MUST_REFUSE + MUST_PASS]
    long_text = " ".join(texts)[:1000]
    for where in (ESCALATION, GENERAL):
        rounds = 20
        per_call = _per_call(identifying_details, texts, where, rounds)
        per_long = _per_call(identifying_details, [long_text], where, rounds)
        per_mask = _per_call(mask_identifiers, texts, where, rounds)
        per_long_mask = _per_call(mask_identifiers, [long_text], where, rounds)
        print(f"{where:10} {len(texts)} corpus strings: {per_call * 1e6:6.1f} µs a call, "
              f"masked {per_mask * 1e6:6.1f} µs; a 1,000-character message: {per_long * 1e6:7.1f} µs, "
              f"masked {per_long_mask * 1e6:7.1f} µs")


if __name__ == "__main__":
    main()
