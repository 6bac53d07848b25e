r"""Text → the (word, context, noise words) batches that word2vec learns from.

Mikolov et al. (2013), "Distributed Representations of Words and Phrases": a word is known
by the words within `window` positions of it. Two tricks from that paper shape the data:

* subsampling: each occurrence of a frequent word w is dropped with probability
  P(drop w) = 1 − sqrt(t / f(w)), f = relative frequency, so "the" stops dominating;
* negative sampling: noise words are drawn from the unigram distribution raised to 3/4,
  P_n(w) ∝ count(w)^0.75, which gives rare words a little more chance than their count.
  As in word2vec.c, P_n is written once into a table where each word fills a share of the
  slots equal to its probability, so a draw is one random slot;
* a shrinking window: each centre looks b ~ U{1, …, W} words to each side, so a neighbour at
  distance d is used with probability (W − d + 1) / W: near words count more.

The default corpus is `lee_background.cor` from gensim's test data (300 Australian news
stories, ~60,000 words); pasted text works too, up to MAX_TEXT_CHARACTERS.
"""

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

from playground.data import Batch
from playground.embeddings import gensim_test_file
from playground.wording import _

LEE_FILE = "lee_background.cor"
MAX_TEXT_CHARACTERS = 500_000  # keeps vocabulary building and training interactive
MAX_VOCABULARY = 20_000  # the most frequent words kept, whatever the corpus
MIN_VOCABULARY = 10
NOISE_TABLE_SIZE = 1_000_000  # slots of the noise table (word2vec.c: 10^8); 4 MB of word ids
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")  # letters of any alphabet (Spanish too), inner apostrophe


@dataclass(frozen=True)
class Word2VecDataConfig:
    window: int = 5  # context words on each side of the centre word
    negatives: int = 5  # noise words per real (word, context) pair
    min_count: int = 3  # rarer words are removed before windows are taken
    subsample: float = 1e-3  # t in P(drop w) = 1 − sqrt(t / f(w)); 0 keeps every word
    noise_power: float = 0.75  # P_n(w) ∝ count(w)^power

    def __post_init__(self):
        if not 1 <= self.window <= 10:
            raise ValueError(_("window must be between 1 and 10 words, not {window}").format(window=self.window))
        if not 1 <= self.negatives <= 50:
            raise ValueError(_("negatives must be between 1 and 50, not {negatives}").format(negatives=self.negatives))
        if self.min_count < 1 or self.subsample < 0 or not 0 <= self.noise_power <= 1:
            raise ValueError(_("min_count must be ≥ 1, subsample ≥ 0 and noise_power within [0, 1]"))


@lru_cache(maxsize=1)
def lee_text() -> str:
    return gensim_test_file(LEE_FILE).read_text(encoding="utf8")


def tokenize(text: str) -> list[list[str]]:
    """Lower-case words of each non-empty line (a line is a document: windows never cross it)."""
    if len(text) > MAX_TEXT_CHARACTERS:
        raise ValueError(_("The text has {characters} characters; the limit is {limit} so that training stays "
                           "interactive. Paste a shorter text.").format(characters=f"{len(text):,}",
                                                                        limit=f"{MAX_TEXT_CHARACTERS:,}"))
    documents = [words for line in text.splitlines() if (words := WORD.findall(line.lower()))]
    if not documents:
        raise ValueError(_("The text has no words: paste a few paragraphs first."))
    return documents


@dataclass(frozen=True)
class Vocabulary:
    words: tuple[str, ...]  # most frequent first, the order WordVectors expects
    counts: np.ndarray  # (V,) occurrences of each word

    def __len__(self) -> int:
        return len(self.words)


def build_vocabulary(documents: list[list[str]], min_count: int) -> Vocabulary:
    """Words seen at least `min_count` times (at most MAX_VOCABULARY), most frequent first."""
    counted = Counter(word for words in documents for word in words).most_common(MAX_VOCABULARY)
    kept = [(word, n) for word, n in counted if n >= min_count]
    if len(kept) < MIN_VOCABULARY:
        raise ValueError(_("Only {count} words occur at least {min_count} times; word2vec needs {minimum} or more. "
                           "Paste a longer text or lower the minimum count.").format(
                               count=len(kept), min_count=min_count, minimum=MIN_VOCABULARY))
    return Vocabulary(tuple(w for w, _ in kept), np.array([n for _, n in kept], dtype=np.int64))


def keep_probabilities(counts: np.ndarray, subsample: float) -> np.ndarray:
    """P(keep w) = min(1, sqrt(t / f(w))), the complement of Mikolov's drop probability."""
    if subsample == 0:
        return np.ones(len(counts))
    frequencies = counts / counts.sum()
    return np.minimum(1.0, np.sqrt(subsample / frequencies))


def noise_distribution(counts: np.ndarray, power: float = 0.75) -> np.ndarray:
    """P_n(w) ∝ count(w)^power, the distribution negative samples are drawn from."""
    weights = counts.astype(np.float64) ** power
    return weights / weights.sum()


def noise_table(probabilities: np.ndarray, size: int = NOISE_TABLE_SIZE) -> torch.Tensor:
    """(size,) word ids, word w in a share P_n(w) of the slots: slot i holds the word whose
    cumulative probability first passes (i + ½) / size, word2vec.c's InitUnigramTable."""
    cumulative = torch.from_numpy(np.cumsum(probabilities))
    slots = (torch.arange(size, dtype=torch.float64) + 0.5) / size
    return torch.searchsorted(cumulative, slots).clamp_max(len(probabilities) - 1).int()


class Word2VecBatches:
    """Random centre words of a subsampled corpus with their windows and noise words, as tensors.

    Subsampling is drawn once, from the seed, when the stream is built: the corpus is small
    and a fixed thinned stream keeps the batches cheap. Each batch picks random centres, each
    with its shrunk window (a mask marks the slots past b or past a document's edge) and K
    noise words. Batches are (context (B, 2W), context_mask (B, 2W), centre (B,), negatives
    (B, K)) for both architectures: skip-gram predicts the centre from each context word,
    CBOW from their mean.
    """

    def __init__(self, documents: list[list[str]], config: Word2VecDataConfig = Word2VecDataConfig(),
                 seed: int = 0, device: torch.device | str = "cpu"):
        self.config, self.device = config, torch.device(device)
        self.vocabulary = build_vocabulary(documents, config.min_count)
        self.tokens, self.document_ids = self._stream(documents, np.random.default_rng(seed))  # (N,), (N,)
        self.offsets = torch.tensor([o for o in range(-config.window, config.window + 1) if o != 0])  # (2W,)
        self.centres = torch.nonzero(self._window(torch.arange(len(self.tokens)))[1].any(1)).squeeze(1)
        if len(self.centres) == 0:
            raise ValueError(_("No word has a neighbour left after subsampling: paste a longer text."))
        self.noise_table = noise_table(noise_distribution(self.vocabulary.counts, config.noise_power))

    def _stream(self, documents: list[list[str]], rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """The corpus as one stream of word ids (unknown words removed, frequent ones thinned) and document ids."""
        index = {word: i for i, word in enumerate(self.vocabulary.words)}
        ids = [[index[w] for w in words if w in index] for words in documents]
        tokens = np.array([i for doc in ids for i in doc], dtype=np.int64)
        document_of = np.repeat(np.arange(len(ids)), [len(doc) for doc in ids])
        kept = rng.random(len(tokens)) < keep_probabilities(self.vocabulary.counts, self.config.subsample)[tokens]
        return torch.from_numpy(tokens[kept]), torch.from_numpy(document_of[kept])

    def _window(self, centres: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Word ids around each centre (B, 2W) and whether each slot is inside the centre's document."""
        positions = centres[:, None] + self.offsets  # (B, 2W)
        clamped = positions.clamp(0, len(self.tokens) - 1)
        inside = (positions == clamped) & (self.document_ids[clamped] == self.document_ids[centres][:, None])
        return self.tokens[clamped], inside

    def restart(self) -> None:
        """Nothing to forget: every batch is a fresh draw."""

    def sample(self, batch_size: int, generator: torch.Generator) -> Batch:
        centre_positions = self.centres[torch.randint(len(self.centres), (batch_size,), generator=generator)]
        context, inside = self._window(centre_positions)  # (B, 2W) each
        reach = torch.randint(1, self.config.window + 1, (batch_size, 1), generator=generator)  # b ~ U{1..W}
        context_mask = inside & (self.offsets.abs() <= reach)  # (B, 2W)
        slots = torch.randint(len(self.noise_table), (batch_size, self.config.negatives), generator=generator)
        batch = (context, context_mask, self.tokens[centre_positions], self.noise_table[slots])
        return tuple(t.to(self.device) for t in batch)
