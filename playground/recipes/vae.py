"""The VAE page's pretrained models: 2-D VAEs on MNIST and on 8×8 digits, and the plain AE twin.

The AE is the same dense network with `variational=False` (z = μ, no KL), trained on the
same split for the same steps, so that the "AE vs VAE" comparison changes one thing only.
"""

from functools import partial

from playground.data import split
from playground.models.vae import VAE, VAEConfig
from playground.pretrain import RECIPE_DEVICE, Recipe
from playground.trainer import TrainConfig
from playground.vae_lessons import make_trainer

SPLIT_SEED = 0  # the page's default seed, so that its test images were never trained on
MNIST_VAE = VAEConfig(image_size=28, latent_dim=2)  # dense 784-256-2, β = 1, BCE
DIGITS_VAE = VAEConfig(image_size=8, latent_dim=2, hidden=128)
MNIST_AE = VAEConfig(image_size=28, latent_dim=2, variational=False)
TRAINING = TrainConfig(learning_rate=2e-3, batch_size=128, eval_every=1000)


def train(config: VAEConfig, dataset: str, steps: int) -> VAE:
    trainer = make_trainer(config, split(dataset, SPLIT_SEED), TRAINING, seed=0, device=RECIPE_DEVICE)
    trainer.step(steps)
    return trainer.model


RECIPES = [
    Recipe("vae_mnist_2d", VAE, VAEConfig, partial(train, MNIST_VAE, "MNIST 28×28", 3000),
           "Dense 784-256-2 VAE (β = 1, BCE), MNIST 5k train split (seed 0), 3,000 Adam steps"),
    Recipe("vae_digits_2d", VAE, VAEConfig, partial(train, DIGITS_VAE, "Digits 8×8", 3000),
           "Dense 64-128-2 VAE (β = 1, BCE), 8×8 digits train split (seed 0), 3,000 Adam steps"),
    Recipe("vae_compare_ae_mnist_2d", VAE, VAEConfig, partial(train, MNIST_AE, "MNIST 28×28", 3000),
           "The MNIST VAE's network as a plain autoencoder (variational=False): same data, same steps"),
]
