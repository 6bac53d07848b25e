"""Intrinsic benchmarks of word vectors: the Google analogy set and WordSim353.

The Google set (Mikolov et al. 2013) asks 19,544 questions a : b :: c : ? in 14 sections
(capital-common-countries, gram3-comparative, ...); a question counts as right when the
best word for b − a + c, the three inputs excluded, is the expected one. WordSim353
(Finkelstein et al. 2002) scores how well the cosine ranks 353 word pairs as people did
(Spearman ρ). Both files ship with gensim, and both functions reproduce gensim's
`KeyedVectors.evaluate_word_analogies` / `evaluate_word_pairs` with their defaults
(case-insensitive, questions with a word outside the first `restrict_vocab` words skipped),
but answer all questions in a few batched products instead of one at a time.

Answering 19,544 questions over 400,000 words takes minutes of CPU, so `AnalogyEvaluation`
answers them a chunk at a time (`advance(seconds)`), and GloVe's evaluations and reports are
kept once per server process (`glove_analogies`, `glove_word_pairs`), out of any client's reach.
"""

import math
import threading
import time
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import torch
from scipy import stats

from playground.embeddings import ANALOGY_METHODS, SCORES_PER_CHUNK, WordVectors, gensim_test_file, load_glove
from playground.wording import _

ANALOGY_FILE = "questions-words.txt"
PAIRS_FILE = "wordsim353.tsv"
GENSIM_TOP_N = 5  # gensim looks for an answer outside the question among this many candidates

Question = tuple[str, str, str, str]  # a, b, c, expected: a is to b as c is to expected


@dataclass(frozen=True)
class SectionScore:
    section: str
    correct: int
    total: int  # questions answered (those with every word in the vocabulary)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


@dataclass(frozen=True)
class AnalogyReport:
    sections: tuple[SectionScore, ...]
    overall: SectionScore
    skipped: int  # questions with a word outside the vocabulary
    answers: tuple[tuple[str, Question, str], ...]  # (section, question, predicted) for every answered question


@dataclass(frozen=True)
class PairsReport:
    spearman: float  # rank correlation of cosine with the human scores
    pearson: float
    pairs: tuple[tuple[str, str, float, float], ...]  # (word 1, word 2, human score, cosine)
    skipped: int  # pairs with a word outside the vocabulary


def read_analogies(path: Path | None = None) -> list[tuple[str, list[Question]]]:
    """Sections of (a, b, c, expected), upper-cased as gensim compares them; malformed lines skipped."""
    sections: list[tuple[str, list[Question]]] = []
    for line in Path(path or gensim_test_file(ANALOGY_FILE)).read_text(encoding="utf8").splitlines():
        if line.startswith(": "):
            sections.append((line.lstrip(": ").strip(), []))
        elif len(words := line.upper().split()) == 4:
            if not sections:
                raise ValueError(f"{path}: a question comes before the first ': section' line")
            sections[-1][1].append(tuple(words))
    return sections


def vocabulary_by_upper(vectors: WordVectors, restrict_vocab: int) -> dict[str, int]:
    """Upper-cased word → row among the first `restrict_vocab` rows; the most frequent spelling wins."""
    return {word.upper(): row for row, word in reversed(list(enumerate(vectors.words[:restrict_vocab])))}


class AnalogyEvaluation:
    """The Google analogy test, answered a chunk of questions at a time so that a page stays live.

    `advance(seconds)` answers chunks for about that long (at least one); `progress` runs from
    0 to 1, then `report` holds the scores. One evaluation may be shared by many sessions
    (GloVe's): a lock lets one slice run at a time, and a session that finds it taken returns.
    """

    def __init__(self, vectors: WordVectors, path: Path | None = None, restrict_vocab: int = 300_000,
                 method: str = "3CosAdd"):
        if method not in ANALOGY_METHODS:
            raise ValueError(_("method must be one of {methods}, not {method}").format(methods=ANALOGY_METHODS,
                                                                                      method=repr(method)))
        vocabulary = vocabulary_by_upper(vectors, restrict_vocab)
        self.vectors, self.restrict_vocab, self.method = vectors, restrict_vocab, method
        self.sections = read_analogies(path)
        self.asked = [(name, q) for name, questions in self.sections for q in questions
                      if all(w in vocabulary for w in q)]
        if not self.asked:
            raise ValueError(_("no analogy question has all four words among the first {limit} words").format(
                limit=f"{restrict_vocab:,}"))
        self.rows = torch.tensor([[vocabulary[b], vocabulary[a], vocabulary[c]] for _, (a, b, c, _) in self.asked])
        self.chunk = max(1, SCORES_PER_CHUNK // min(restrict_vocab, len(vectors)))  # (chunk × V) scores at once
        self.best: list[torch.Tensor] = []  # top-5 candidates of each answered chunk, (chunk, 5)
        self.answered = 0
        self.lock = threading.Lock()

    @property
    def progress(self) -> float:
        return self.answered / len(self.rows)

    def advance(self, seconds: float) -> None:
        if not self.lock.acquire(blocking=False):
            return  # another session is answering a chunk of this evaluation
        try:
            start = time.perf_counter()
            while self.answered < len(self.rows) and (not self.best or time.perf_counter() - start < seconds):
                rows = self.rows[self.answered : self.answered + self.chunk]  # b − a + c: (chunk, 3)
                self.best.append(self.vectors.analogy_batch(rows, GENSIM_TOP_N, self.method, self.restrict_vocab)[1])
                self.answered += len(rows)
        finally:
            self.lock.release()

    @cached_property
    def report(self) -> AnalogyReport:
        """The scores once every question is answered (ValueError before)."""
        if self.answered < len(self.rows):
            raise ValueError(f"only {self.answered:,} of {len(self.rows):,} questions are answered so far")
        answers = tuple((name, q, _first_new(self.vectors, candidates, q[:3]))
                        for (name, q), candidates in zip(self.asked, torch.cat(self.best).tolist()))
        scores = tuple(_score(name, [a for a in answers if a[0] == name]) for name, _ in self.sections)
        skipped = sum(len(questions) for _, questions in self.sections) - len(self.asked)
        return AnalogyReport(scores, _score("Total accuracy", answers), skipped, answers)


def evaluate_analogies(
    vectors: WordVectors, path: Path | None = None, restrict_vocab: int = 300_000, method: str = "3CosAdd",
) -> AnalogyReport:
    """Accuracy per section and overall; with 3CosAdd, the numbers of gensim's `evaluate_word_analogies`."""
    evaluation = AnalogyEvaluation(vectors, path, restrict_vocab, method)
    evaluation.advance(math.inf)
    return evaluation.report


@lru_cache(maxsize=16)  # the page offers 7 restrictions × 2 methods
def glove_analogies(restrict_vocab: int, method: str) -> AnalogyEvaluation:
    """GloVe's evaluation for one setting, one per server process, advanced by whichever session watches it."""
    return AnalogyEvaluation(load_glove(), restrict_vocab=restrict_vocab, method=method)


@lru_cache(maxsize=16)
def glove_word_pairs(restrict_vocab: int) -> PairsReport:
    """GloVe's WordSim353 report for one restriction, one per server process."""
    return evaluate_word_pairs(load_glove(), restrict_vocab=restrict_vocab)


def _first_new(vectors: WordVectors, candidates: list[int], inputs: tuple[str, ...]) -> str:
    """The first candidate that is not an input in another spelling (gensim's rule); else the last one."""
    spellings = [vectors.words[i].upper() for i in candidates]
    return next((s for s in spellings if s not in inputs), spellings[-1])


def _score(section: str, answers: list | tuple) -> SectionScore:
    return SectionScore(section, sum(predicted == q[3] for _, q, predicted in answers), len(answers))


def evaluate_word_pairs(vectors: WordVectors, path: Path | None = None, restrict_vocab: int = 300_000) -> PairsReport:
    """Spearman ρ (and Pearson r) of cosine vs human similarity; gensim's `evaluate_word_pairs` numbers."""
    vocabulary = vocabulary_by_upper(vectors, restrict_vocab)
    pairs, skipped = [], 0
    for line in Path(path or gensim_test_file(PAIRS_FILE)).read_text(encoding="utf8").splitlines():
        fields = line.upper().split("\t")
        if line.startswith("#") or len(fields) != 3 or not _is_number(fields[2]):
            continue
        a, b, human = fields
        if a not in vocabulary or b not in vocabulary:
            skipped += 1
            continue
        cosine = float(vectors.unit[vocabulary[a]] @ vectors.unit[vocabulary[b]])
        pairs.append((a.lower(), b.lower(), float(human), cosine))
    if len(pairs) < 3:
        raise ValueError(_("only {count} word pairs are in the vocabulary; a correlation needs at least 3").format(
            count=len(pairs)))
    human, model = np.array([p[2] for p in pairs]), np.array([p[3] for p in pairs])
    return PairsReport(float(stats.spearmanr(human, model)[0]), float(stats.pearsonr(human, model)[0]),
                       tuple(pairs), skipped)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
