"""The seq2seq page's pretrained date translators, so that the page translates before anyone trains.

Both are trained with the page's defaults on the same batches for the same steps; they differ in
one thing only, attention, so the page can compare them on the held-out dates.
"""

from functools import partial

from playground.models.seq2seq import Seq2Seq, Seq2SeqConfig
from playground.pretrain import RECIPE_DEVICE, Recipe
from playground.seq2seq_data import DateTask
from playground.seq2seq_lessons import BATCH_SIZE, LEARNING_RATE, build_trainer, model_config
from playground.trainer import TrainConfig

DATES = DateTask()
STEPS, SLOW_STEPS = 600, 200  # at η = 3e-3, then at 1e-3: about 40 s of CPU on one thread with attention
NAMES = {"additive": "seq2seq_dates_attention", "none": "seq2seq_dates_plain"}


def train_dates(attention: str) -> Seq2Seq:
    config = model_config(DATES, attention=attention)  # the page's defaults: H = 64, about 60,000 parameters
    trainer = build_trainer(DATES, config, TrainConfig(learning_rate=LEARNING_RATE, batch_size=BATCH_SIZE,
                                                       eval_every=STEPS), seed=0, device=RECIPE_DEVICE)
    trainer.step(STEPS)
    trainer.configure(learning_rate=1e-3)
    trainer.step(SLOW_STEPS)
    return trainer.model


RECIPES = [
    Recipe(NAMES["additive"], Seq2Seq, Seq2SeqConfig, partial(train_dates, "additive"),
           f"bidirectional GRU + additive attention, Spanish dates → ISO, {STEPS + SLOW_STEPS} Adam steps"),
    Recipe(NAMES["none"], Seq2Seq, Seq2SeqConfig, partial(train_dates, "none"),
           "the same network without attention (one context vector), same batches and steps"),
]
