"""The RNN page's pretrained character model, so that text generation works before any training."""

from playground.models.rnn import RNNConfig, SequenceModel
from playground.pretrain import RECIPE_DEVICE, Recipe
from playground.rnn_lessons import build_trainer, model_config
from playground.sequences import CharTask, lee_corpus
from playground.trainer import TrainConfig

CHAR_WINDOW = 64  # characters per training sequence (the page's default too)


def train_char_lee() -> SequenceModel:
    """A 128-unit LSTM on the Lee corpus: 1,000 steps at η = 0.01, then 500 at 0.003 (test perplexity ≈ 4.6)."""
    task = CharTask(lee_corpus(), length=CHAR_WINDOW)
    trainer = build_trainer(task, model_config(task, "LSTM", hidden_size=128),
                            TrainConfig(learning_rate=1e-2, batch_size=32, grad_clip=1.0, eval_every=500),
                            device=RECIPE_DEVICE)
    trainer.step(1000)
    trainer.configure(learning_rate=3e-3)
    trainer.step(500)
    return trainer.model


RECIPES = [
    Recipe("rnn_char_lee", SequenceModel, RNNConfig, train_char_lee,
           "character LSTM (128 units) on gensim's Lee news corpus"),
]
