"""What a load of a partnership file did, and its problems in the file's order."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class LoadReport:
    """How many of each kind of row a load created and updated."""

    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    kept_removed: list[str] = field(default_factory=list)  # members removed in chat whom the file lists

    def count(self, kind: str, created: bool) -> None:
        bucket = self.created if created else self.updated
        bucket[kind] = bucket.get(kind, 0) + 1

    def summary(self) -> str:
        def fmt(d: dict[str, int]) -> str:
            return ", ".join(f"{n} {k if n != 1 else one(k)}" for k, n in sorted(d.items())) or "nothing"
        removed = (f"; kept removed, as `member remove` left them (`member add` brings someone back): "
                   f"{', '.join(self.kept_removed)}" if self.kept_removed else "")
        return f"created {fmt(self.created)}; updated {fmt(self.updated)}{removed}"


SINGULAR = {"agencies": "agency"}


def one(kind: str) -> str:
    """One of a kind of row: "agencies" -> "agency", "attendance answers" -> "attendance answer"."""
    return SINGULAR.get(kind) or kind.removesuffix("s")


def in_file_order(problems: list[str]) -> list[str]:
    """Problems ("line 14: ...") sorted by their line, those without one first, otherwise as found."""
    def line(problem: str) -> int:
        number = problem.removeprefix("line ").partition(":")[0]
        return int(number) if number.isascii() and number.isdigit() else 0
    return sorted(problems, key=line)
