"""The seq2seq lesson's tasks: Spanish dates to ISO, reversing or sorting digits, adding numbers written as text.

Each task is a frozen dataclass (hashable, so a page rebuilds its trainers when it changes)
with `generate(n, rng, part)` returning `Example`s, strings in and out, drawn fresh from
formulas: the network never sees the same batch twice, so its curves show learning, not
memorising. Strings become token ids only at the model's door (`encode`), with one
character vocabulary per side.

  * DateTask — "4 de agosto de 1972", "24-FEB-75", "agosto 4, 1972", "04/08/1972",
    "jueves, 4 de agosto de 1972", … → "1972-08-04" (Spanish order: day, month, year).
    Month and weekday names are written out below; each example knows where its day,
    month and year lie in the source, so we can check where attention looks.
    One date in ten is held out (`part="test"`) and never trained on.
  * DigitTask — "58213" → "31285" (reverse) or "12358" (sort).
  * AdditionTask — "123+45" → "168".
"""

import datetime
from dataclasses import dataclass

import numpy as np
import torch

from playground.data import Batch, numpy_rng

PAD, BOS, EOS = 0, 1, 2  # token ids of the padding, start and end symbols; characters follow from 3
SPECIALS = 3
TEST_STREAM = 10_000  # added to the seed for test sets: a random stream separate from training's
DIGITS = "0123456789"
MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
          "noviembre", "diciembre")
MONTH_ABBREVIATIONS = ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic")
WEEKDAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")  # date.weekday() order
FIRST_DAY, LAST_DAY = datetime.date(1950, 1, 1), datetime.date(2049, 12, 31)  # two-digit years: 50–99, 00–49
HELD_OUT = 10  # one date in HELD_OUT is a test date, never trained on
DATE_FORMATS = (  # fields in braces; the others are written as they are
    "{d} de {month} de {yyyy}", "{weekday}, {d} de {month} de {yyyy}", "{weekday} {d} de {month} de {yyyy}",
    "{d} de {month} del {yyyy}", "{d} {month} {yyyy}", "{month} {d}, {yyyy}", "{d} de {mon}. de {yyyy}",
    "{d} {mon} {yyyy}", "{dd}-{mon}-{yy}", "{d}-{mon}-{yyyy}", "{dd}/{mm}/{yyyy}", "{d}/{m}/{yy}",
    "{dd}.{mm}.{yyyy}", "{dd}-{mm}-{yyyy}", "{weekday} {dd}/{mm}/{yyyy}", "{yyyy}/{mm}/{dd}",
)
CASES = ("lower", "title", "upper")  # how a date with names is written: "4 de agosto", "4 De Agosto", "4 DE AGOSTO"
MAX_DATE_CHARS = 40  # the longest form, "miércoles, 28 de septiembre del 1972" and its kin, fits


@dataclass(frozen=True)
class Example:
    source: str
    target: str
    spans: tuple[tuple[str, int, int], ...] = ()  # (field, start, end) in the source: where the day, month, year are


def _field(name: str, date: datetime.date, rng: np.random.Generator) -> tuple[str, str | None]:
    """The text of one field of a date format, and which of day, month, year it shows (None for the weekday)."""
    month = MONTHS[date.month - 1]
    if name == "month" and date.month == 9 and rng.random() < 0.2:
        month = "setiembre"  # also correct Spanish
    texts = {"d": ("1.º" if date.day == 1 and rng.random() < 0.3 else str(date.day), "day"),
             "dd": (f"{date.day:02d}", "day"), "month": (month, "month"),
             "mon": (MONTH_ABBREVIATIONS[date.month - 1], "month"), "m": (str(date.month), "month"),
             "mm": (f"{date.month:02d}", "month"), "yyyy": (str(date.year), "year"),
             "yy": (f"{date.year % 100:02d}", "year"), "weekday": (WEEKDAYS[date.weekday()], None)}
    return texts[name]


def write_date(date: datetime.date, form: str, case: str, rng: np.random.Generator) -> Example:
    """One date in one of DATE_FORMATS and CASES, with the spans of its day, month and year."""
    source, spans = "", []
    for index, part in enumerate(form.replace("}", "{").split("{")):  # odd parts are field names
        if index % 2 == 0:
            source += part
            continue
        text, field = _field(part, date, rng)
        if field is not None:
            spans.append((field, len(source), len(source) + len(text)))
        source += text
    source = source.upper() if case == "upper" else source.title() if case == "title" else source
    return Example(source, date.isoformat(), tuple(spans))


def date_characters() -> str:
    """Every character a date can be written with, sorted: the source vocabulary of DateTask."""
    words = " ".join(MONTHS + MONTH_ABBREVIATIONS + WEEKDAYS + ("de", "del", "setiembre"))
    text = words + DIGITS + " ,./-º"  # the punctuation of DATE_FORMATS, and 1.º
    return "".join(sorted(set(text + text.title() + text.upper())))


def is_test_date(ordinal: np.ndarray) -> np.ndarray:
    """The held-out dates: a fixed tenth of all days, scattered by a multiplicative hash."""
    return (ordinal * 2654435761) % 2**32 % HELD_OUT == 0


@dataclass(frozen=True)
class DateTask:
    """Spanish dates written in many ways → ISO 8601 (YYYY-MM-DD)."""

    formats: tuple[str, ...] = DATE_FORMATS  # a subset makes the task easier

    def __post_init__(self):
        if not self.formats or not set(self.formats) <= set(DATE_FORMATS):
            raise ValueError(f"formats must be a non-empty subset of {DATE_FORMATS}")

    @property
    def source_characters(self) -> str:
        return date_characters()

    @property
    def target_characters(self) -> str:
        return "-" + DIGITS

    @property
    def max_source_length(self) -> int:
        return MAX_DATE_CHARS

    @property
    def max_target_length(self) -> int:
        return len("1972-08-04")

    def generate(self, n: int, rng: np.random.Generator, part: str = "train") -> list[Example]:
        """n dates of the training or the held-out part, each in a random format and case."""
        first, last = FIRST_DAY.toordinal(), LAST_DAY.toordinal()
        ordinals = np.empty(0, np.int64)
        while len(ordinals) < n:  # about 10/9 (train) or 10 (test) draws per date kept
            drawn = rng.integers(first, last + 1, size=2 * n * (HELD_OUT if part == "test" else 1))
            ordinals = np.r_[ordinals, drawn[is_test_date(drawn) == (part == "test")]]
        forms, cases = rng.integers(len(self.formats), size=n), rng.integers(len(CASES), size=n)
        return [write_date(datetime.date.fromordinal(int(o)), self.formats[f], CASES[c], rng)
                for o, f, c in zip(ordinals[:n], forms, cases)]


OPERATIONS = ("reverse", "sort")


@dataclass(frozen=True)
class DigitTask:
    """Random digit strings, reversed or sorted: the textbook test of what a fixed-size code can hold."""

    operation: str = "reverse"  # one of OPERATIONS
    min_length: int = 1
    max_length: int = 10

    def __post_init__(self):
        if self.operation not in OPERATIONS:
            raise ValueError(f"operation must be one of {OPERATIONS}, not {self.operation!r}")
        if not 1 <= self.min_length <= self.max_length <= 20:
            raise ValueError("lengths must satisfy 1 ≤ min_length ≤ max_length ≤ 20")

    source_characters = target_characters = DIGITS

    @property
    def max_source_length(self) -> int:
        return self.max_length

    @property
    def max_target_length(self) -> int:
        return self.max_length

    def generate(self, n: int, rng: np.random.Generator, part: str = "train") -> list[Example]:
        lengths = rng.integers(self.min_length, self.max_length + 1, size=n)
        sources = ["".join(map(str, rng.integers(10, size=length))) for length in lengths]
        order = (lambda s: s[::-1]) if self.operation == "reverse" else (lambda s: "".join(sorted(s)))
        return [Example(source, order(source)) for source in sources]


@dataclass(frozen=True)
class AdditionTask:
    """Two numbers written as text, "123+45", and their sum, "168": the carry must travel right to left."""

    max_digits: int = 3  # digits of each operand

    def __post_init__(self):
        if not 1 <= self.max_digits <= 8:
            raise ValueError("max_digits must be between 1 and 8")

    source_characters = DIGITS + "+"
    target_characters = DIGITS

    @property
    def max_source_length(self) -> int:
        return 2 * self.max_digits + 1

    @property
    def max_target_length(self) -> int:
        return self.max_digits + 1

    def generate(self, n: int, rng: np.random.Generator, part: str = "train") -> list[Example]:
        """Operands with a uniform number of digits (1 to max_digits), so that short sums appear as often."""
        digits = rng.integers(1, self.max_digits + 1, size=(n, 2))
        low = np.where(digits == 1, 0, 10 ** (digits - 1))
        a, b = (rng.integers(low[:, i], 10 ** digits[:, i]) for i in range(2))
        return [Example(f"{x}+{y}", str(x + y)) for x, y in zip(a.tolist(), b.tolist())]


Task = DateTask | DigitTask | AdditionTask


def held_out_examples(task: Task, n: int, seed: int = 0) -> list[Example]:
    """A fixed test set: its own random stream and, for dates, the held-out days."""
    return task.generate(n, np.random.default_rng(seed + TEST_STREAM), part="test")


def encode(texts: list[str], characters: str, end: bool = False) -> torch.Tensor:
    """Token ids (B, L) padded with PAD; a character's id is SPECIALS + its index; `end` appends EOS.

    Characters outside `characters` raise ValueError (pages check typed text first).
    """
    index = {char: SPECIALS + i for i, char in enumerate(characters)}
    unknown = {char for text in texts for char in text} - set(index)
    if unknown:
        raise ValueError(f"characters outside the vocabulary: {''.join(sorted(unknown))!r}")
    rows = [[index[char] for char in text] + ([EOS] if end else []) for text in texts]
    ids = torch.full((len(rows), max(map(len, rows), default=0)), PAD, dtype=torch.long)
    for row, tokens in enumerate(rows):
        ids[row, : len(tokens)] = torch.tensor(tokens, dtype=torch.long)
    return ids


def decode(ids, characters: str) -> str:
    """Token ids back to text, up to the first EOS; padding and start symbols are skipped."""
    text = []
    for token in (int(i) for i in ids):
        if token == EOS:
            break
        if token >= SPECIALS:
            text.append(characters[token - SPECIALS])
    return "".join(text)


def as_batch(examples: list[Example], source_characters: str, target_characters: str,
             device: torch.device | str = "cpu") -> Batch:
    """source ids (B, S), source lengths (B,), target ids ending in EOS (B, T)."""
    sources = encode([e.source for e in examples], source_characters)
    lengths = torch.tensor([len(e.source) for e in examples])
    targets = encode([e.target for e in examples], target_characters, end=True)
    return sources.to(device), lengths.to(device), targets.to(device)


class Seq2SeqBatches:
    """The trainer's batch source: `batch_size` fresh training examples each time."""

    def __init__(self, task: Task, device: torch.device | str = "cpu"):
        self.task, self.device = task, torch.device(device)

    def restart(self) -> None:
        """Nothing to forget: every batch is a fresh draw."""

    def sample(self, batch_size: int, generator: torch.Generator) -> Batch:
        examples = self.task.generate(batch_size, numpy_rng(generator))
        return as_batch(examples, self.task.source_characters, self.task.target_characters, self.device)
