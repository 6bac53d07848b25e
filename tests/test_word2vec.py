"""word2vec: tokens, vocabulary, subsampling, noise words, batches, and SGNS learning a toy corpus."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from playground.embeddings import WordVectors
from playground.models.word2vec import Word2Vec, Word2VecConfig, negative_sampling_loss
from playground.seeding import seeded
from playground.trainer import TrainConfig, Trainer
from playground.word2vec_data import (
    MAX_TEXT_CHARACTERS,
    Word2VecBatches,
    Word2VecDataConfig,
    build_vocabulary,
    keep_probabilities,
    lee_text,
    noise_distribution,
    tokenize,
)

ANIMALS = ("cat", "dog", "pet", "fur", "paw", "kitten", "puppy", "leash")
VEHICLES = ("car", "road", "engine", "wheel", "tyre", "brake", "fuel", "driver")


def toy_corpus(seed: int = 0, lines: int = 300) -> list[list[str]]:
    """Each line talks about one topic only: words of a topic share their contexts."""
    rng = np.random.default_rng(seed)
    return [rng.choice(ANIMALS if i % 2 else VEHICLES, size=10).tolist() for i in range(lines)]


def test_tokenize_keeps_lines_apart_lowercases_and_limits_the_size():
    assert tokenize("The cat's hat.\n\nÉl comió 3 peras") == [["the", "cat's", "hat"], ["él", "comió", "peras"]]
    with pytest.raises(ValueError, match="limit"):
        tokenize("a" * (MAX_TEXT_CHARACTERS + 1))
    documents = tokenize(lee_text())
    assert len(documents) == 300 and 50_000 < sum(map(len, documents)) < 70_000


def test_vocabulary_is_frequent_first_and_needs_enough_words():
    vocabulary = build_vocabulary(toy_corpus(), min_count=1)
    assert len(vocabulary) == 16 and vocabulary.counts.sum() == 3000
    assert list(vocabulary.counts) == sorted(vocabulary.counts, reverse=True)
    rare = [[f"w{i}"] * (i + 1) for i in range(12)]  # w0 once, ..., w11 twelve times
    vocabulary = build_vocabulary(rare, min_count=2)
    assert vocabulary.words[:2] == ("w11", "w10") and len(vocabulary) == 11
    with pytest.raises(ValueError, match="lower the minimum count"):
        build_vocabulary(rare, min_count=4)


def test_subsampling_and_noise_follow_mikolov():
    counts = np.array([900, 90, 10])
    keep = keep_probabilities(counts, subsample=1e-2)
    assert keep == pytest.approx([math.sqrt(1e-2 / 0.9), math.sqrt(1e-2 / 0.09), 1.0])
    assert np.all(keep_probabilities(counts, 0) == 1)
    noise = noise_distribution(counts, 0.75)
    assert noise.sum() == pytest.approx(1) and noise[0] / noise[2] == pytest.approx(90**0.75)


@pytest.mark.parametrize("architecture", ["skip-gram", "CBOW"])
def test_batches_pair_words_with_neighbours_of_the_same_line(architecture):
    documents = [[f"w{line}_{i}" for i in range(6)] for line in range(4)]  # every word unique to its line
    config = Word2VecDataConfig(window=2, negatives=3, min_count=1, subsample=0)
    data = Word2VecBatches(documents, config, architecture, seed=1)
    line_of = [int(word[1 : word.index("_")]) for word in data.vocabulary.words]
    position_of = [int(word[word.index("_") + 1 :]) for word in data.vocabulary.words]
    batch = data.sample(64, torch.Generator().manual_seed(0))
    if architecture == "skip-gram":
        centre, context, negatives = batch
        pairs = zip(centre.tolist(), context.tolist())
    else:
        context, mask, centre, negatives = batch
        assert context.shape == mask.shape == (64, 4)
        pairs = [(c, w) for c, row, inside in zip(centre.tolist(), context.tolist(), mask.tolist())
                 for w, m in zip(row, inside) if m]
    for c, w in pairs:
        assert line_of[c] == line_of[w] and 0 < abs(position_of[c] - position_of[w]) <= 2
    assert negatives.shape == (64, 3) and negatives.max() < len(data.vocabulary)


def test_negative_sampling_loss_is_logistic_regression_on_real_and_noise_pairs():
    torch.manual_seed(0)
    hidden, positive, negatives = torch.randn(5, 4), torch.randn(5, 4), torch.randn(5, 3, 4)
    loss, _, _ = negative_sampling_loss(hidden, positive, negatives)
    real = (hidden * positive).sum(1)
    noise = torch.einsum("bd,bkd->bk", hidden, negatives)
    expected = (F.binary_cross_entropy_with_logits(real, torch.ones(5), reduction="sum")
                + F.binary_cross_entropy_with_logits(noise, torch.zeros(5, 3), reduction="sum")) / 5
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)
    with pytest.raises(ValueError, match="architecture"):
        Word2VecConfig(vocab_size=10, architecture="glove")


def _trained(architecture: str, steps: int) -> tuple[Trainer, Word2VecBatches]:
    config = Word2VecDataConfig(window=2, negatives=5, min_count=1, subsample=0)
    data = Word2VecBatches(toy_corpus(), config, architecture, seed=0)
    trainer = Trainer(seeded(Word2Vec, Word2VecConfig(len(data.vocabulary), 16, architecture)), data,
                      TrainConfig(learning_rate=0.05, batch_size=64), seed=0)
    trainer.step(steps)
    return trainer, data


def test_skip_gram_loss_falls_and_topic_words_end_closer_than_unrelated_words():
    trainer, data = _trained("skip-gram", 150)
    _, losses = trainer.history.series("loss")
    assert losses[0] == pytest.approx(6 * math.log(2), rel=1e-4)  # zero output vectors: σ(0) for all 6 scores
    assert np.mean(losses[-30:]) < 0.8 * losses[0]
    vectors = WordVectors(data.vocabulary.words, trainer.model.embeddings())
    same = np.mean([vectors.similarity(a, b) for group in (ANIMALS, VEHICLES) for a in group for b in group if a < b])
    across = np.mean([vectors.similarity(a, b) for a in ANIMALS for b in VEHICLES])
    assert same > across + 0.3
    assert {m.word for m in vectors.nearest("cat", k=3)} <= set(ANIMALS)


def test_cbow_loss_falls():
    trainer, _ = _trained("CBOW", 150)
    _, losses = trainer.history.series("loss")
    assert np.mean(losses[-20:]) < 0.8 * losses[0] and trainer.diverged is None
