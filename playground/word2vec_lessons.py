"""What the embeddings page does with word2vec: build a trainer on a text, read its vectors.

The same sections as every lesson module: a trainer factory, then what a page asks of the
trained model (here: its vectors as `WordVectors`, so GloVe's tools answer for them too).
"""

import torch

from playground.embeddings import WordVectors
from playground.models.word2vec import Word2Vec, Word2VecConfig
from playground.seeding import seeded
from playground.trainer import TrainConfig, Trainer
from playground.word2vec_data import Word2VecBatches, Word2VecDataConfig, tokenize
from playground.wording import N_


def make_trainer(text: str, data: Word2VecDataConfig, architecture: str, embedding_dim: int, train: TrainConfig,
                 seed: int = 0, device: torch.device | str = "cpu") -> Trainer:
    """A word2vec trainer on `text`; ValueError (with a message for the reader) if the text is unusable."""
    batches = Word2VecBatches(tokenize(text), data, seed, device)
    config = Word2VecConfig(len(batches.vocabulary), embedding_dim, architecture)
    return Trainer(seeded(Word2Vec, config), batches, train, seed=seed, device=device)


def learned_vectors(trainer: Trainer, name: str = N_("your word2vec")) -> WordVectors:
    """The trainer's current input vectors v, searchable like GloVe's."""
    return WordVectors(trainer.data.vocabulary.words, trainer.model.embeddings(), name=name)
