"""The training workloads of the engine and live-loop benchmarks: AE, VAE, 2-D GAN and 2-D diffusion.

Each is its page's default, as a student first finds it: model, dataset, learning rate and
batch size (the AE and VAE on MNIST, the GAN's "it works" preset on the ring of 8, the
diffusion lab's ε-network on two moons). Each
comes twice: through `playground.trainer.Trainer`, and as the textbook PyTorch loop (sample,
loss, zero_grad, backward, step, nothing else) on the same model, batch size, optimiser and
batch stream, seeded alike. Their speed ratio is the engine's overhead.
"""

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from playground.data import BatchSource, Distribution2DBatches, ShuffledBatches, split
from playground.diffusion_lessons import POINT_MODEL as DIFFUSION_CONFIG
from playground.diffusion_lessons import TRAINING as DIFFUSION_TRAINING
from playground.gan_lessons import PRESETS
from playground.models.autoencoder import Autoencoder
from playground.models.diffusion import Diffusion
from playground.models.gan import GAN
from playground.models.vae import VAE, VAEConfig
from playground.recipes.autoencoder import AE_MNIST_CONFIG
from playground.seeding import Builder, seeded
from playground.trainer import TrainConfig, Trainer, run_generators

SEED = 0  # the sidebar's default seed
DATASET = "MNIST 28×28"
GAN_DISTRIBUTION = "ring of 8"
GAN_SETTINGS = PRESETS["it works"]
DIFFUSION_DISTRIBUTION = "two moons"
VAE_CONFIG = VAEConfig()
PAGE_TRAINING = TrainConfig(learning_rate=3e-3, batch_size=128)  # the AE and VAE pages' default sliders

Run = Callable[[int], int]  # run(n) trains n steps and returns n


@dataclass(frozen=True)
class Workload:
    name: str
    build: Builder
    config: TrainConfig
    data: Callable[[torch.device], object]  # a fresh batch source, seeded alike for both loops

    def __post_init__(self):
        if self.config.optimizer != "adam":
            raise ValueError("the bare loops use Adam; give the workload an Adam TrainConfig")

    def trainer(self, device: torch.device) -> Trainer:
        """The engine under test, without an evaluation callback (pure training)."""
        return Trainer(self.build, self.data(device), self.config, seed=SEED, device=device)

    def bare(self, device: torch.device) -> tuple[nn.Module, Run]:
        """The same work as a plain loop: one optimiser per player, updated in the trainer's order."""
        weights, order, noise = run_generators(SEED, device)
        model = self.build(weights).to(device)
        draw = Draw(self.data(device), order, noise)
        if isinstance(model, GAN):
            return model, bare_gan(model, draw, self.config)
        optimizer = torch.optim.Adam(model.parameters(), lr=self.config.learning_rate, betas=self.config.adam_betas)
        return model, bare_loop(model.loss, optimizer, draw, self.config.batch_size)


@dataclass(frozen=True)
class Draw:
    """A batch source with the run's two generators: the order of the data and the noise in the loss."""

    source: BatchSource
    order: torch.Generator
    noise: torch.Generator


def bare_loop(loss_of: Callable, optimizer: torch.optim.Optimizer, draw: Draw, batch_size: int) -> Run:
    def run(n: int) -> int:
        for _ in range(n):
            loss, _ = loss_of(draw.source.sample(batch_size, draw.order), draw.noise)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        return n

    return run


def bare_gan(model: GAN, data: Draw, config: TrainConfig) -> Run:
    """DCGAN's loop: update D (k times) on real and detached fake points, then G through D."""
    def adam(part: nn.Module, player: str) -> torch.optim.Optimizer:
        return torch.optim.Adam(part.parameters(), lr=config.learning_rate_of(player), betas=config.adam_betas)

    update_d = bare_loop(model.discriminator_step, adam(model.discriminator, "discriminator"), data, config.batch_size)
    update_g = bare_loop(model.generator_step, adam(model.generator, "generator"), data, config.batch_size)
    k = config.updates_of("discriminator")

    def run(n: int) -> int:
        for _ in range(n):
            update_d(k)
            update_g(1)
        return n

    return run


def images(device: torch.device) -> ShuffledBatches:
    return ShuffledBatches(torch.from_numpy(split(DATASET, SEED).x_train), device=device)


def points(device: torch.device) -> Distribution2DBatches:
    return Distribution2DBatches(GAN_DISTRIBUTION, device=device)


def moons(device: torch.device) -> Distribution2DBatches:
    return Distribution2DBatches(DIFFUSION_DISTRIBUTION, device=device)


WORKLOADS = (
    Workload("AE", seeded(Autoencoder, AE_MNIST_CONFIG), PAGE_TRAINING, images),
    Workload("VAE", seeded(VAE, VAE_CONFIG), PAGE_TRAINING, images),
    Workload("2-D GAN", seeded(GAN, GAN_SETTINGS.model), GAN_SETTINGS.train_config(), points),
    Workload("2-D diffusion", seeded(Diffusion, DIFFUSION_CONFIG), DIFFUSION_TRAINING, moons),
)
