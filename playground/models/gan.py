r"""A generative adversarial network on 2-D points (Goodfellow et al., 2014).

A generator G maps noise z ~ N(0, I) to points; a discriminator D scores points as
real or fake. They play

.. math::
    \min_G \max_D \; V(D, G) = \mathbb{E}_{x \sim p_r}[\log D(x)] + \mathbb{E}_{z}[\log(1 - D(G(z)))]

For a fixed G the best D is D* = p_r / (p_r + p_g); at the equilibrium p_g = p_r, D* = ½
everywhere and V = −2·log 2. Both nets are small MLPs so that every step is a few
milliseconds and the whole game can be watched on a plane.

Losses (`GANConfig.loss`):
- "saturating": G minimises log(1 − D(G(z))), the minimax game itself; its gradient
  vanishes when D confidently rejects the fakes, which is early in training.
- "non-saturating": G maximises log D(G(z)) instead (same fixed point, strong gradients).
- "hinge": the hinge loss of geometric GAN / SAGAN / BigGAN; D is a critic with an
  unbounded score that stops pushing a point once it is beyond a margin of 1.
"""

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from playground.budgets import MAX_HIDDEN_LAYERS
from playground.data import Batch
from playground.trainer import Player
from playground.wording import N_

LOSSES = (N_("saturating"), N_("non-saturating"), N_("hinge"))
PROBABILITY_LOSSES = ("saturating", "non-saturating")  # D(x) is a probability only for these


@dataclass(frozen=True)
class GANConfig:
    noise_dim: int = 2  # dimension of z; 2 lets the page draw G's mapping of the z-plane
    generator_width: int = 64  # hidden units per generator layer
    generator_depth: int = 3  # hidden layers of the generator
    discriminator_width: int = 64  # hidden units per discriminator layer
    discriminator_depth: int = 3  # hidden layers of the discriminator
    loss: str = "non-saturating"  # one of LOSSES

    def __post_init__(self):
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, not {self.loss!r}")
        if min(self.noise_dim, self.generator_width, self.discriminator_width) < 1:
            raise ValueError("noise_dim and the widths must be at least 1")
        if not all(1 <= depth <= MAX_HIDDEN_LAYERS for depth in (self.generator_depth, self.discriminator_depth)):
            raise ValueError(f"generator_depth and discriminator_depth must be between 1 and {MAX_HIDDEN_LAYERS}")


def mlp(inputs: int, width: int, depth: int, outputs: int) -> nn.Sequential:
    """`depth` hidden layers of `width` LeakyReLU units (leaky: no dead units, gradients everywhere)."""
    layers: list[nn.Module] = []
    for index in range(depth):
        layers += [nn.Linear(inputs if index == 0 else width, width), nn.LeakyReLU(0.2)]
    return nn.Sequential(*layers, nn.Linear(width, outputs))


def discriminator_loss(loss: str, real_score: torch.Tensor, fake_score: torch.Tensor) -> torch.Tensor:
    """D's half of the game, as a loss to minimise (scores are logits or critic values).

    saturating / non-saturating: maximise log D(x) + log(1 − D(G(z)))  (summed BCE, 2·log 2 at D = ½)
    hinge: minimise max(0, 1 − D(x)) + max(0, 1 + D(G(z)))
    """
    if loss == "hinge":
        return F.relu(1 - real_score).mean() + F.relu(1 + fake_score).mean()
    return (F.binary_cross_entropy_with_logits(real_score, torch.ones_like(real_score))
            + F.binary_cross_entropy_with_logits(fake_score, torch.zeros_like(fake_score)))


def generator_loss(loss: str, fake_score: torch.Tensor) -> torch.Tensor:
    """G's half of the game, as a loss to minimise.

    saturating: minimise log(1 − D(G(z)))  (the minimax game; −log 2 at D = ½)
    non-saturating: maximise log D(G(z))  (log 2 at D = ½)
    hinge: maximise the critic's score D(G(z))
    """
    if loss == "saturating":
        return -F.binary_cross_entropy_with_logits(fake_score, torch.zeros_like(fake_score))
    if loss == "non-saturating":
        return F.binary_cross_entropy_with_logits(fake_score, torch.ones_like(fake_score))
    return -fake_score.mean()


class AdversarialGame(nn.Module):
    """The game every GAN here plays: `self.generator` vs `self.discriminator`, D first.

    Subclasses build the two nets and define `generate(z, labels)` and `score(x, labels)`;
    `labels` is None unless the game is conditional (`condition(batch)` says which).
    """

    def noise(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """z ~ N(0, I), shape (n, noise_dim), drawn from `generator`, on the model's device."""
        z = torch.randn(n, self.config.noise_dim, generator=generator, device=generator.device)  # (n, noise_dim)
        return z.to(next(self.parameters()).device)

    def condition(self, batch: Batch) -> torch.Tensor | None:
        """The labels that G and D are told about (None: an unconditional game)."""
        return None

    def discriminate(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """D(x) as the page shows it: a probability for the BCE losses, the critic value for hinge."""
        return self._shown(self.score(x, labels))

    def players(self) -> list[Player]:
        """Discriminator first (it judges the current G), then the generator."""
        return [Player("discriminator", self.discriminator.parameters, self.discriminator_step),
                Player("generator", self.generator.parameters, self.generator_step)]

    def discriminator_step(self, batch: Batch, generator: torch.Generator) -> tuple[torch.Tensor, dict]:
        """Update D on a real batch and as many fakes; fakes are detached, so G is left alone."""
        real, labels = batch[0], self.condition(batch)  # (B, ...) real samples
        fake = self.generate(self.noise(len(real), generator), labels).detach()  # (B, ...)
        real_score, fake_score = self.score(real, labels), self.score(fake, labels)  # (B,) each
        loss = discriminator_loss(self.config.loss, real_score, fake_score)
        metrics = {N_("D loss"): loss, N_("D(x)"): self._shown(real_score).mean(),
                   N_("D(G(z))"): self._shown(fake_score).mean()}
        return loss, metrics

    def generator_step(self, batch: Batch, generator: torch.Generator) -> tuple[torch.Tensor, dict]:
        """Update G through D's judgement of fresh fakes (only G's optimiser steps)."""
        labels = self.condition(batch)
        fake = self.generate(self.noise(len(batch[0]), generator), labels)
        loss = generator_loss(self.config.loss, self.score(fake, labels))
        return loss, {N_("G loss"): loss}

    def _shown(self, score: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(score) if self.config.loss in PROBABILITY_LOSSES else score


class GAN(AdversarialGame):
    """A generator and a discriminator MLP on 2-D points."""

    def __init__(self, config: GANConfig):
        super().__init__()
        self.config = config
        self.generator = mlp(config.noise_dim, config.generator_width, config.generator_depth, 2)
        self.discriminator = mlp(2, config.discriminator_width, config.discriminator_depth, 1)

    def generate(self, z: torch.Tensor, labels: None = None) -> torch.Tensor:
        return self.generator(z)  # (B, noise_dim) -> (B, 2)

    def score(self, x: torch.Tensor, labels: None = None) -> torch.Tensor:
        """D's raw output, a logit or a critic value: (B, 2) -> (B,)."""
        return self.discriminator(x).squeeze(1)
