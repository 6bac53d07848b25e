"""What the embeddings page does with word2vec: build a trainer on a text, read its vectors.

The same sections as every lesson module: what a step costs, a trainer factory, then what a
page asks of the trained model (here: its vectors as `WordVectors`, so GloVe's tools answer for them too).
"""

import torch

from playground import budgets
from playground.embeddings import WordVectors
from playground.models.word2vec import Word2Vec, Word2VecConfig
from playground.seeding import seeded
from playground.trainer import TrainConfig, Trainer
from playground.word2vec_data import Word2VecBatches, Word2VecDataConfig, tokenize


LOWER = "the dimension or the batch size, or raise the minimum count (a smaller vocabulary)"


def step_cost(config: Word2VecConfig, data: Word2VecDataConfig, batch_size: int) -> budgets.Cost:
    """One step: each sample reads its hidden vector h (one word, or the mean of a 2W-word context)
    and scores one real and K noise words against it: (1 + K) dot products of D numbers."""
    read = 2 * data.window if config.architecture == "CBOW" else 1
    vectors = read + 1 + data.negatives  # rows of v and u one sample touches
    per_sample = budgets.Cost(2 * config.vocab_size * config.embedding_dim, vectors * config.embedding_dim,
                              2 * vectors * config.embedding_dim)
    return budgets.training_step(per_sample, batch_size)


def make_trainer(text: str, data: Word2VecDataConfig, architecture: str, embedding_dim: int, train: TrainConfig,
                 seed: int = 0, device: torch.device | str = "cpu") -> Trainer:
    """A word2vec trainer on `text`; ValueError (with a message for the reader) if the text is unusable,
    OverBudget before the model is allocated if a step would cost too much (now or after a change)."""
    batches = Word2VecBatches(tokenize(text), data, architecture, seed, device)
    config = Word2VecConfig(len(batches.vocabulary), embedding_dim, architecture)

    def budget(train: TrainConfig, live_settings: dict) -> None:
        budgets.check(step_cost(config, data, train.batch_size), LOWER)

    return Trainer(seeded(Word2Vec, config), batches, train, seed=seed, device=device, budget=budget)


def learned_vectors(trainer: Trainer, name: str = "your word2vec") -> WordVectors:
    """The trainer's current input vectors v, searchable like GloVe's."""
    return WordVectors(trainer.data.vocabulary.words, trainer.model.embeddings(), name=name)
