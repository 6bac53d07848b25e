"""What the embeddings page does with word2vec: build a trainer on a text, read its vectors.

The same sections as every lesson module: what a step costs, a trainer factory, then what a
page asks of the trained model (here: its vectors as `WordVectors`, so GloVe's tools answer for them too).
"""

import torch

from playground import budgets
from playground.embeddings import WordVectors
from playground.export import Recipe, Source
from playground.models.word2vec import Word2Vec, Word2VecConfig
from playground.seeding import seeded
from playground.trainer import TrainConfig, Trainer
from playground.word2vec_data import Word2VecBatches, Word2VecDataConfig, lee_text, tokenize
from playground.wording import N_


LOWER = N_("the dimension or the batch size, or raise the minimum count (a smaller vocabulary)")


def step_cost(config: Word2VecConfig, data: Word2VecDataConfig, batch_size: int) -> budgets.Cost:
    """One step on `batch_size` centre words: each reads its 2W context vectors v, makes J inputs h of
    them (J = 2W for skip-gram, their one mean for CBOW) and scores each against 1 + K output vectors u."""
    window, outputs, dim = 2 * data.window, 1 + data.negatives, config.embedding_dim
    inputs = window if config.architecture == "skip-gram" else 1
    per_sample = budgets.Cost(2 * config.vocab_size * dim, (window + outputs) * dim + inputs * outputs,
                              2 * inputs * outputs * dim)
    return budgets.training_step(per_sample, batch_size)


def make_trainer(text: str, data: Word2VecDataConfig, architecture: str, embedding_dim: int, train: TrainConfig,
                 seed: int = 0, device: torch.device | str = "cpu") -> Trainer:
    """A word2vec trainer on `text`; ValueError (with a message for the reader) if the text is unusable,
    OverBudget before the model is allocated if a step would cost too much (now or after a change)."""
    batches = Word2VecBatches(tokenize(text), data, seed, device)
    config = Word2VecConfig(len(batches.vocabulary), embedding_dim, architecture)

    def budget(train: TrainConfig, live_settings: dict) -> None:
        budgets.check(step_cost(config, data, train.batch_size), LOWER)

    return Trainer(seeded(Word2Vec, config), batches, train, seed=seed, device=device, budget=budget)



def recipe(text: str, data: Word2VecDataConfig, architecture: str, embedding_dim: int, train: TrainConfig,
           seed: int = 0) -> Recipe:
    """`make_trainer`'s recipe; the Lee corpus is written as `lee_text()`, a pasted text as itself."""
    corpus = Source(text, "lee_text()" if text == lee_text() else repr(text),
                    ("from playground.word2vec_data import lee_text",))
    return Recipe(make_trainer, (corpus, data, architecture, embedding_dim, train, seed),
                  title=f"word2vec ({architecture})")

def learned_vectors(trainer: Trainer, model: Word2Vec | None = None,
                    name: str = N_("your word2vec")) -> WordVectors:
    """The trainer's current input vectors v, searchable like GloVe's; or those of `model`, the trainer's
    model at an earlier step (`Trainer.model_at`)."""
    return WordVectors(trainer.data.vocabulary.words, (trainer.model if model is None else model).embeddings(), name=name)
