"""The one results table: a row per figure, with its reference, ratio, goal and verdict.

Every measurement family returns `Row`s; this module turns them into the printed table,
the JSON in bench/results/latest.json and the markdown in bench/RESULTS.md. A row's
reference is measured in the same run as ours, so the ratio survives a slow or busy machine
better than either number alone.
"""

import json
import math
import operator
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

COMPARISONS = {"≥": operator.ge, "≤": operator.le, "<": operator.lt, ">": operator.gt}
HEADERS = ("figure", "ours", "reference", "ratio", "goal", "met?")


@dataclass(frozen=True)
class Goal:
    """A target such as ratio ≥ 0.95 or ours < 20 ms; `on` says which number it judges."""

    comparison: str  # one of COMPARISONS
    target: float
    on: str = "ratio"  # "ratio" (ours / reference) or "ours"

    def __post_init__(self):
        if self.comparison not in COMPARISONS or self.on not in ("ratio", "ours"):
            raise ValueError(f"a goal compares with one of {tuple(COMPARISONS)} on 'ratio' or 'ours'")

    def met(self, ours: float, ratio: float | None) -> bool | None:
        value = ratio if self.on == "ratio" else ours
        return None if value is None or not math.isfinite(value) else COMPARISONS[self.comparison](value, self.target)

    def describe(self, unit: str) -> str:
        return f"{self.comparison} {self.target:g}" + ("×" if self.on == "ratio" else f" {unit}")


@dataclass(frozen=True)
class Row:
    """One figure: our number, the reference measured beside it (same unit), and the goal."""

    figure: str
    ours: float | str  # a string for descriptive rows such as the device
    unit: str = ""
    reference: float | None = None
    reference_label: str = ""  # what the reference is, e.g. "bare loop" or "gensim"
    paired_ratio: float | None = None  # median of block-by-block ratios, when measured in A/B pairs
    goal: Goal | None = None
    note: str = ""  # printed as a footnote: what limits it, how it was measured
    extra: dict = field(default_factory=dict)  # raw samples and settings, for the JSON only

    @property
    def ratio(self) -> float | None:
        """ours / reference: the paired median when there is one (robust to bursts of load)."""
        if self.paired_ratio is not None:
            return self.paired_ratio
        if self.reference is None or isinstance(self.ours, str) or not self.reference:
            return None
        return self.ours / self.reference

    @property
    def met(self) -> bool | None:
        if self.goal is None or isinstance(self.ours, str):
            return None
        return self.goal.met(self.ours, self.ratio)

    def cells(self) -> tuple[str, ...]:
        """The six printed cells, in HEADERS order."""
        reference = "" if self.reference is None else _number(self.reference, self.unit)
        if reference and self.reference_label:
            reference += f" ({self.reference_label})"
        ratio = "" if self.ratio is None else f"{self.ratio:.2f}×"
        goal = "" if self.goal is None else self.goal.describe(self.unit)
        met = {None: "", True: "yes", False: "NO"}[self.met]
        return self.figure, _number(self.ours, self.unit), reference, ratio, goal, met


def _number(value: float | str, unit: str) -> str:
    if isinstance(value, str):
        return value
    digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2
    return f"{value:,.{digits}f} {unit}".strip()


def footnoted(rows: Sequence[Row]) -> tuple[list[tuple[str, ...]], list[str]]:
    """Table cells with a [n] mark on each figure that has a note, and the notes in order."""
    body, notes = [], []
    for row in rows:
        cells = row.cells()
        if row.note:
            notes.append(row.note)
            cells = (f"{cells[0]} [{len(notes)}]", *cells[1:])
        body.append(cells)
    return body, notes


def text_table(rows: Sequence[Row]) -> str:
    """A fixed-width table for the terminal, notes underneath."""
    body, notes = footnoted(rows)
    widths = [max(len(line[i]) for line in (HEADERS, *body)) for i in range(len(HEADERS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in (HEADERS, *body)]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines + [""] + [f"[{n}] {note}" for n, note in enumerate(notes, 1)])


def markdown_table(rows: Sequence[Row], context: dict) -> str:
    """bench/RESULTS.md: when and where it ran, the table, and the notes."""
    body, notes = footnoted(rows)
    header = ["# Benchmark results (`make bench`)", "",
              "Each reference is measured in the same run as ours; ratio = ours / reference (see README).", "",
              *(f"- {name}: {value}" for name, value in context.items()), ""]
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in line) + " |" for line in body]
    return "\n".join(header + lines + [""] + [f"{n}. {note}" for n, note in enumerate(notes, 1)]) + "\n"


def as_json(rows: Sequence[Row], context: dict) -> str:
    """Every row with its numbers, ratio and verdict, plus the run's context."""
    records = [{**asdict(row), "ratio": row.ratio, "met": row.met} for row in rows]
    return json.dumps({"context": context, "rows": records}, indent=2, ensure_ascii=False, default=float)


def write_json(rows: Sequence[Row], context: dict, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(as_json(rows, context) + "\n", encoding="utf8")
    return path


def write_markdown(rows: Sequence[Row], context: dict, path: Path) -> Path:
    path.write_text(markdown_table(rows, context), encoding="utf8")
    return path
