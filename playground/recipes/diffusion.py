"""The diffusion page's pretrained ε-networks: one per 2-D distribution and a class-conditional one for 8×8 digits.

Each is the page's default network (`diffusion_lessons.default_model`) trained by the page's own
trainer, so pressing ▶ continues the same run; the learning rate drops tenfold for the last quarter
of the steps, which makes ε̂ precise enough for few-step DDIM sampling.
"""

from functools import partial

from playground.diffusion_lessons import DATASETS, DIGITS, default_model, make_trainer
from playground.models.diffusion import Diffusion, DiffusionConfig
from playground.pretrain import RECIPE_DEVICE, Recipe
from playground.trainer import TrainConfig

SHORT_NAMES = {"two moons": "moons", "ring of 8": "ring8", "spiral": "spiral", "swiss roll": "swiss_roll",
               DIGITS: "digits8"}
POINT_PLAN = ((3000, 3e-3), (1000, 3e-4))  # (steps, learning rate): ~12 s on one thread
DIGIT_PLAN = ((3000, 1e-3), (1000, 1e-4))  # ~30 s on one thread


def recipe_name(dataset: str) -> str:
    """The pretrained file of a dataset's network, e.g. 'diffusion_moons'."""
    return f"diffusion_{SHORT_NAMES[dataset]}"


def train(dataset: str) -> Diffusion:
    trainer = make_trainer(dataset, default_model(dataset), TrainConfig(batch_size=128, eval_every=1000),
                           seed=0, device=RECIPE_DEVICE)
    for steps, learning_rate in DIGIT_PLAN if dataset == DIGITS else POINT_PLAN:
        trainer.configure(learning_rate=learning_rate)
        trainer.step(steps)
    return trainer.model


RECIPES = [
    Recipe(recipe_name(dataset), Diffusion, DiffusionConfig, partial(train, dataset),
           f"ε-network on {dataset}: {default_model(dataset)}") for dataset in DATASETS
]
