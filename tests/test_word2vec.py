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
    noise_table,
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
    table = noise_table(noise, size=10_000)
    shares = np.bincount(table.numpy(), minlength=3) / len(table)
    assert np.abs(shares - noise).max() <= 1 / len(table)  # each word fills its share of the slots
    assert list(table) == sorted(table)  # slot i holds the word whose cumulative P_n passes (i + ½) / size


def test_batches_pair_words_with_neighbours_of_the_same_line():
    documents = [[f"w{line}_{i}" for i in range(6)] for line in range(4)]  # every word unique to its line
    config = Word2VecDataConfig(window=2, negatives=3, min_count=1, subsample=0)
    data = Word2VecBatches(documents, config, seed=1)
    line_of = [int(word[1 : word.index("_")]) for word in data.vocabulary.words]
    position_of = [int(word[word.index("_") + 1 :]) for word in data.vocabulary.words]
    context, mask, centre, negatives = data.sample(64, torch.Generator().manual_seed(0))
    assert context.shape == mask.shape == (64, 4) and centre.shape == (64,) and mask.any()
    pairs = [(c, w) for c, row, inside in zip(centre.tolist(), context.tolist(), mask.tolist())
             for w, m in zip(row, inside) if m]
    for c, w in pairs:
        assert line_of[c] == line_of[w] and 0 < abs(position_of[c] - position_of[w]) <= 2
    assert negatives.shape == (64, 3) and 0 <= negatives.min() and negatives.max() < len(data.vocabulary)


def test_noise_words_follow_the_noise_distribution():
    documents = [[f"w{i}"] * (i + 1) for i in range(12)]  # w11 twelve times, ..., w0 once
    data = Word2VecBatches(documents * 3, Word2VecDataConfig(window=1, negatives=20, min_count=1, subsample=0))
    negatives = data.sample(5000, torch.Generator().manual_seed(0))[3]  # (5000, 20)
    drawn = np.bincount(negatives.flatten().numpy(), minlength=len(data.vocabulary)) / negatives.numel()
    assert np.abs(drawn - noise_distribution(data.vocabulary.counts)).max() < 0.005


def test_the_window_shrinks_at_random_so_near_words_count_more():
    documents = [[f"w{i}" for i in range(200)]]  # one long line: every slot inside it, far from its ends
    config = Word2VecDataConfig(window=4, negatives=1, min_count=1, subsample=0)
    data = Word2VecBatches(documents, config)
    context, mask, centre, _ = data.sample(20_000, torch.Generator().manual_seed(0))
    inner = (centre >= 4) & (centre < 196)  # every count ties, so word w_i has id i: ids are positions
    assert inner.sum() > 15_000
    used = mask[inner].float().mean(0)  # (2W,) how often each offset −4..−1, 1..4 is used
    expected = torch.tensor([1, 2, 3, 4, 4, 3, 2, 1]) / 4  # P(|j| ≤ b) = (W − |j| + 1) / W, b ~ U{1..W}
    assert torch.allclose(used, expected, atol=0.02)


@pytest.mark.parametrize("batch_size", [1, 64])
def test_same_generator_same_batches_and_no_global_randomness(batch_size):
    data = Word2VecBatches(toy_corpus(), Word2VecDataConfig(window=2, negatives=3, min_count=1))
    torch.manual_seed(0)
    first = data.sample(batch_size, torch.Generator().manual_seed(5))
    torch.manual_seed(1)  # the global generator must not matter
    second = data.sample(batch_size, torch.Generator().manual_seed(5))
    assert all(torch.equal(a, b) for a, b in zip(first, second))


def test_negative_sampling_loss_is_logistic_regression_on_real_and_noise_pairs():
    torch.manual_seed(0)
    hidden, outputs = torch.randn(5, 2, 4), torch.randn(5, 4, 4)  # B = 5, J = 2, D = 4; true word + K = 3
    weights = torch.tensor([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 1.0]])
    loss, real, noise = negative_sampling_loss(hidden, outputs, weights)
    expected, pairs = 0.0, 0
    for b, j in weights.nonzero().tolist():  # every pair that counts, one at a time
        scores = outputs[b] @ hidden[b, j]  # (1 + K,)
        expected += (F.binary_cross_entropy_with_logits(scores[:1], torch.ones(1), reduction="sum")
                     + F.binary_cross_entropy_with_logits(scores[1:], torch.zeros(3), reduction="sum"))
        pairs += 1
        assert real[b, j].item() == pytest.approx(torch.sigmoid(scores[0]).item(), rel=1e-5)
        assert noise[b, j] == pytest.approx(torch.sigmoid(scores[1:]), rel=1e-5)
    assert loss.item() == pytest.approx(expected.item() / pairs, rel=1e-5)
    with pytest.raises(ValueError, match="architecture"):
        Word2VecConfig(vocab_size=10, architecture="glove")


def test_cbow_hidden_is_the_mean_of_the_context_inside_the_window():
    model = Word2Vec(Word2VecConfig(vocab_size=6, embedding_dim=3, architecture="CBOW"))
    context = torch.tensor([[1, 2, 3, 4], [5, 5, 5, 5]])
    mask = torch.tensor([[True, False, True, True], [False, False, False, False]])
    hidden, weights = model.hidden(context, mask)
    v = model.input_vectors.weight
    assert torch.allclose(hidden[0, 0], (v[1] + v[3] + v[4]) / 3) and torch.equal(hidden[1, 0], torch.zeros(3))
    assert weights.tolist() == [[1.0], [0.0]]  # a centre whose window is empty does not count
    skip_gram = Word2Vec(Word2VecConfig(vocab_size=6, embedding_dim=3))
    hidden, weights = skip_gram.hidden(context, mask)
    assert hidden.shape == (2, 4, 3) and torch.equal(weights, mask.float())


def _trained(architecture: str, steps: int) -> tuple[Trainer, Word2VecBatches]:
    config = Word2VecDataConfig(window=2, negatives=5, min_count=1, subsample=0)
    data = Word2VecBatches(toy_corpus(), config, seed=0)
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
