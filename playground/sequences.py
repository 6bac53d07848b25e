"""The sequence tasks of the RNN lesson, drawn fresh for every batch from formulas or a corpus.

Each task is a frozen dataclass (hashable, so a page can rebuild its trainer when it changes)
with `generate(n, rng) -> (inputs, targets)` as numpy arrays; `TaskBatches` turns one into
the trainer's batch source. Synthetic tasks never run out of data, so the curves show
learning rather than memorising; their test batch is a fixed draw from a separate stream.

  * ForecastTask — sequence to sequence: a noisy sine, a sum of sines or a random-walk price;
    at every step of a `window` predict the next `horizon` values.
  * PatternTask — sequence to vector: which motif (rise, fall, spike) hides in the noise.
  * CharTask — a character language model on gensim's Lee corpus or on a pasted or uploaded text.
  * MemoryTask — long memory (a one-symbol copy task): name the marked symbol of step 1 after
    `length` − 1 steps of the same symbols as distractors; chance is 1 / symbols.
"""

import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from playground.budgets import CHARACTER_VOCABULARY
from playground.data import Batch, numpy_rng
from playground.user_data import text_from_txt
from playground.wording import N_, _

SERIES = (N_("noisy sine"), N_("sum of sines"), N_("random-walk price"))  # names shown through _()
MOTIFS = np.array([[-1, -1 / 3, 1 / 3, 1], [1, 1 / 3, -1 / 3, -1], [0, 1, 1, 0]], np.float32)  # (patterns, 4)
PATTERNS = (N_("rise"), N_("fall"), N_("spike"))  # the names of MOTIFS' rows, the classes of PatternTask
MAX_PASTED_CHARS = 100_000  # pasted corpora are cut to this many characters (a few seconds per epoch)
MIN_CORPUS_CHARS = 200  # shorter text cannot fill a few training windows and a test part
TEST_STREAM = 10_000  # added to the seed for the test stream, so that test draws never repeat training draws
Arrays = tuple[np.ndarray, np.ndarray]


def series(name: str, n: int, length: int, rng: np.random.Generator) -> np.ndarray:
    """n random series of one kind, (n, length) float32, values roughly within [-2, 2]."""
    t = np.arange(length)[None, :]
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    if name == "noisy sine":
        period = rng.uniform(15, 30, (n, 1))
        values = np.sin(2 * np.pi * t / period + phase) + 0.1 * rng.standard_normal((n, length))
    elif name == "sum of sines":
        period_1, period_2 = rng.uniform(20, 40, (n, 1)), rng.uniform(6, 12, (n, 1))
        values = (np.sin(2 * np.pi * t / period_1 + phase) + 0.5 * np.sin(2 * np.pi * t / period_2 + 2 * phase)
                  + 0.05 * rng.standard_normal((n, length)))
    elif name == "random-walk price":  # log-price: yesterday's value plus a small trend and noise
        drift = rng.uniform(-0.02, 0.02, (n, 1))
        values = np.cumsum(drift + 0.1 * rng.standard_normal((n, length)), axis=1) - 1 + 2 * rng.random((n, 1))
    else:
        raise ValueError(_("unknown series {name}; choose one of {choices}").format(name=repr(name), choices=SERIES))
    return values.astype(np.float32)


@dataclass(frozen=True)
class ForecastTask:
    series: str = "noisy sine"  # one of SERIES
    window: int = 40  # steps the network reads
    horizon: int = 5  # values it predicts at every step (seq-to-seq, as in Géron's chapter 15)

    def __post_init__(self):
        series(self.series, 1, 2, np.random.default_rng(0))  # unknown names fail here
        if not (2 <= self.window <= 500 and 1 <= self.horizon <= 50):
            raise ValueError(_("window must be 2–500 steps and horizon 1–50"))

    def generate(self, n: int, rng: np.random.Generator) -> Arrays:
        """x (n, window, 1); y (n, window, horizon) with y[:, t, k] = value at step t + 1 + k."""
        values = series(self.series, n, self.window + self.horizon, rng)
        targets = np.lib.stride_tricks.sliding_window_view(values[:, 1:], self.horizon, axis=1)
        return values[:, : self.window, None], np.ascontiguousarray(targets)


@dataclass(frozen=True)
class PatternTask:
    length: int = 30  # steps per sequence
    noise: float = 0.4  # standard deviation of the background noise (the motif has amplitude 1)

    def __post_init__(self):
        if not (8 <= self.length <= 500 and 0 <= self.noise <= 2):
            raise ValueError(_("length must be 8–500 steps and noise 0–2"))

    def generate(self, n: int, rng: np.random.Generator) -> Arrays:
        """x (n, length, 1): noise with one motif of PATTERNS at a random place; y (n,) the motif's index."""
        labels = rng.integers(len(MOTIFS), size=n)
        x = self.noise * rng.standard_normal((n, self.length)).astype(np.float32)
        starts = rng.integers(0, self.length - MOTIFS.shape[1] + 1, size=n)
        x[np.arange(n)[:, None], starts[:, None] + np.arange(MOTIFS.shape[1])] += MOTIFS[labels]
        return x[:, :, None], labels.astype(np.int64)


@dataclass(frozen=True)
class MemoryTask:
    """Remember the symbol of step 1 through `length` − 1 distractors drawn from the same symbols.

    Every step shows one symbol on the same input channels; a marker channel, on at step 1 only, says
    "this one". The network must store that symbol and ignore all later ones, which look just like it.
    A gated cell learns this quickly: its input gate opens on the marker, and with a forget gate f ≈ 1
    the cell state c_t carries the symbol, and the gradient back to step 1, almost undiminished. A plain
    RNN could latch the symbol in saturated tanh units, but the gradient that would teach it passes
    through `length` − 1 factors ∂h_k/∂h_{k−1} and vanishes; what is left is drowned by the gradients of
    the recent distractors on the same input weights. It stays at chance long after the gated cells learn.
    (With distractors on channels of their own, the answer stood out by its channels alone, and a plain
    RNN solved the task for some seeds.)
    """

    length: int = 50  # steps from the symbol to remember to the question, both included
    symbols: int = 4  # distinct symbols (chance accuracy = 1 / symbols)

    def __post_init__(self):
        if not (2 <= self.length <= 1000 and 2 <= self.symbols <= 16):
            raise ValueError(_("length must be 2–1000 steps and symbols 2–16"))

    @property
    def channels(self) -> int:
        return self.symbols + 1  # one per symbol, then the marker

    def generate(self, n: int, rng: np.random.Generator) -> Arrays:
        """x (n, length, symbols + 1): a random symbol one-hot on channels 0..symbols−1 at every step, and
        the marker (the last channel) at step 1 only; y (n,) the symbol of step 1."""
        tokens = rng.integers(self.symbols, size=(n, self.length))
        x = np.eye(self.channels, dtype=np.float32)[tokens]  # (n, length, channels); tokens never reach the marker
        x[:, 0, self.symbols] = 1  # the marker: remember this one
        return x, tokens[:, 0].astype(np.int64)


@lru_cache(maxsize=1)
def lee_corpus() -> str:
    """gensim's Lee background corpus: 300 Australian news stories, about 360,000 characters."""
    gensim = importlib.util.find_spec("gensim")  # finds the installed package without importing it (seconds)
    path = Path(gensim.submodule_search_locations[0]) / "test" / "test_data" / "lee_background.cor"
    return " ".join(path.read_text(encoding="utf8").split())  # one space between words, no line breaks


def clean_pasted(text: str) -> str:
    """Pasted text as a corpus: whitespace collapsed, cut to MAX_PASTED_CHARS; ValueError if too short."""
    text = " ".join(text.split())[:MAX_PASTED_CHARS]
    if len(text) < MIN_CORPUS_CHARS:
        raise ValueError(_("paste at least {minimum} characters (got {count})").format(minimum=MIN_CORPUS_CHARS,
                                                                                         count=len(text)))
    return text


def corpus_from_txt(data: bytes) -> str:
    """An uploaded .txt file as a corpus, held to the pasted text's budget: its bytes, characters and
    distinct characters are checked (ValueError saying which) before any model is built on it."""
    text = clean_pasted(text_from_txt(data, MAX_PASTED_CHARS))
    check_vocabulary("".join(set(text)))
    return text


def check_vocabulary(vocabulary: str) -> str:
    """`vocabulary`, if a character model may read it: at most CHARACTER_VOCABULARY characters, its softmax's width."""
    if len(vocabulary) > CHARACTER_VOCABULARY:
        raise ValueError(_("the text has {count} distinct characters; a character model here reads at most "
                           "{limit} (its softmax's width): paste text in one alphabet").format(
                               count=f"{len(vocabulary):,}", limit=CHARACTER_VOCABULARY))
    return vocabulary


def encode(text: str, vocabulary: str) -> np.ndarray:
    """Token ids (int64) of the characters of `text` that are in `vocabulary`; the others are dropped."""
    index = {char: i for i, char in enumerate(vocabulary)}
    return np.array([index[char] for char in text if char in index], dtype=np.int64)


def decode(tokens, vocabulary: str) -> str:
    return "".join(vocabulary[int(i)] for i in tokens)


@dataclass(frozen=True)
class CharTask:
    text: str  # the corpus; its first 90 % trains, the rest tests
    length: int = 64  # characters per training window
    vocabulary: str = ""  # default: the corpus's own sorted characters; a pretrained model brings its own

    def __post_init__(self):
        if not 4 <= self.length < len(self.text) // 10:
            raise ValueError(_("length must be at least 4 and below a tenth of the text ({limit})").format(
                limit=len(self.text) // 10))
        object.__setattr__(self, "vocabulary", check_vocabulary(self.vocabulary or "".join(sorted(set(self.text)))))

    def generate(self, n: int, rng: np.random.Generator, part: str = "train") -> Arrays:
        """x (n, length) token ids at random places of one part; y (n, length) the same shifted by one."""
        tokens = _tokens(self, part)
        starts = rng.integers(0, len(tokens) - self.length, size=n)
        windows = tokens[starts[:, None] + np.arange(self.length + 1)]  # (n, length + 1)
        return windows[:, :-1], windows[:, 1:]


@lru_cache(maxsize=8)
def _tokens(task: CharTask, part: str) -> np.ndarray:
    tokens = encode(task.text, task.vocabulary)
    cut = int(0.9 * len(tokens))
    return tokens[:cut] if part == "train" else tokens[cut:]


Task = ForecastTask | PatternTask | MemoryTask | CharTask


def evaluation_batch(task: Task, n: int, seed: int = 0) -> Arrays:
    """A fixed evaluation batch: a separate random stream, and the held-out text for CharTask."""
    rng = np.random.default_rng(seed + TEST_STREAM)
    return task.generate(n, rng, part="test") if isinstance(task, CharTask) else task.generate(n, rng)


class TaskBatches:
    """The trainer's batch source for a task: a fresh draw of `batch_size` sequences each time."""

    def __init__(self, task: Task, device: torch.device | str = "cpu"):
        self.task, self.device = task, torch.device(device)

    def restart(self) -> None:
        """Nothing to forget: every batch is a fresh draw."""

    def sample(self, batch_size: int, generator: torch.Generator) -> Batch:
        arrays = self.task.generate(batch_size, numpy_rng(generator))
        return tuple(torch.from_numpy(array).to(self.device) for array in arrays)
