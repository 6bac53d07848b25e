"""Pretrained image GANs, so that the GAN page shows digits before anyone presses play.

A plain DCGAN and a conditional one per dataset, trained with the page's own settings
(`playground.gan_lessons.make_image_trainer`), so pressing play continues the same game.
"""

from functools import partial

from playground.gan_lessons import make_image_trainer
from playground.models.dcgan import DCGAN, DCGANConfig
from playground.pretrain import RECIPE_DEVICE, Recipe

STEPS = {"Digits 8×8": 1500, "MNIST 28×28": 2000}  # each recipe trains in well under 90 s at 2 threads
SHORT_NAMES = {"Digits 8×8": "digits8", "MNIST 28×28": "mnist"}


def recipe_name(dataset: str, conditional: bool) -> str:
    """The pretrained file of a dataset's plain or conditional GAN, e.g. 'gan_cgan_mnist'."""
    return f"gan_{'cgan' if conditional else 'dcgan'}_{SHORT_NAMES[dataset]}"


def train_image_gan(dataset: str, conditional: bool) -> DCGAN:
    trainer = make_image_trainer(dataset, conditional, seed=0, device=RECIPE_DEVICE)
    trainer.step(STEPS[dataset])
    return trainer.model


RECIPES = [
    Recipe(recipe_name(dataset, conditional), DCGAN, DCGANConfig, partial(train_image_gan, dataset, conditional),
           f"{'conditional ' if conditional else ''}DCGAN on {dataset}, {STEPS[dataset]} steps")
    for dataset in SHORT_NAMES for conditional in (False, True)
]
