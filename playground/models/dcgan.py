r"""DCGAN (Radford et al., 2016) and its conditional version, for 8×8 and 28×28 digits.

DCGAN is what made image GANs train: G upsamples with transposed convolutions and
batch norm, D downsamples with strided convolutions and LeakyReLU, no pooling, no
fully connected hidden layers. Here both nets have two stride-2 stages, so an image
of side S starts (G) or ends (D) as an S/4 × S/4 map: 7×7 for MNIST, 2×2 for digits.

Conditional GAN (Mirza & Osindero, 2014): both players see the label y,

.. math::
    \min_G \max_D \; \mathbb{E}_{x, y}[\log D(x \mid y)] + \mathbb{E}_{z, y}[\log(1 - D(G(z \mid y) \mid y))]

G reads [z, one_hot(y)]; D is a projection discriminator (Miyato & Koyama, 2018):
its logit is w·h(x) + embed(y)·h(x), so "is it real" and "is it this digit" share features.
The losses are those of the 2-D GAN (`playground.models.gan`).
"""

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from playground.data import Batch
from playground.models.gan import LOSSES, AdversarialGame

IMAGE_SIZES = (8, 28)


@dataclass(frozen=True)
class DCGANConfig:
    image_size: int = 28  # side of the square grey images: 28 (MNIST) or 8 (scikit-learn digits)
    noise_dim: int = 32  # dimension of z
    width: int = 32  # channels of the larger feature map; the smaller one has twice as many
    num_classes: int = 0  # 0 for a plain DCGAN, 10 to condition both players on the digit
    loss: str = "non-saturating"  # one of playground.models.gan.LOSSES

    def __post_init__(self):
        if self.image_size not in IMAGE_SIZES:
            raise ValueError(f"image_size must be one of {IMAGE_SIZES}, not {self.image_size}")
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, not {self.loss!r}")
        if self.noise_dim < 1 or self.width < 1 or self.num_classes < 0:
            raise ValueError("noise_dim and width must be at least 1, num_classes at least 0")


class Generator(nn.Module):
    """z (and y) -> (B, 1, S, S) in [0, 1]: project to an S/4 map, then upsample twice."""

    def __init__(self, config: DCGANConfig):
        super().__init__()
        self.config = config
        side, width = config.image_size // 4, config.width
        self.project = nn.Sequential(
            nn.Linear(config.noise_dim + config.num_classes, 2 * width * side * side),
            nn.Unflatten(1, (2 * width, side, side)), nn.BatchNorm2d(2 * width), nn.ReLU(),
        )
        self.upsample = nn.Sequential(
            nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1), nn.BatchNorm2d(width), nn.ReLU(),
            nn.ConvTranspose2d(width, 1, 4, stride=2, padding=1), nn.Sigmoid(),
        )

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        if labels is not None:
            z = torch.cat([z, F.one_hot(labels, self.config.num_classes).to(z.dtype)], 1)  # (B, noise + classes)
        return self.upsample(self.project(z))  # (B, 2W, S/4, S/4) -> (B, 1, S, S)


class Discriminator(nn.Module):
    """(B, 1, S, S) (and y) -> (B,) logits: downsample twice, then a linear (or projection) head."""

    def __init__(self, config: DCGANConfig):
        super().__init__()
        side, width = config.image_size // 4, config.width
        features = 2 * width * side * side
        self.features = nn.Sequential(
            nn.Conv2d(1, width, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
            nn.Conv2d(width, 2 * width, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
            nn.Flatten(),
        )
        self.head = nn.Linear(features, 1)
        self.label_embedding = nn.Embedding(config.num_classes, features) if config.num_classes else None

    def forward(self, images: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        h = self.features(images)  # (B, 2W·S/4·S/4)
        score = self.head(h).squeeze(1)  # (B,)
        if labels is not None:
            score = score + (self.label_embedding(labels) * h).sum(1)  # projection: does x fit y?
        return score


class DCGAN(AdversarialGame):
    """The image game; with `num_classes` > 0 a conditional GAN fed (images, labels) batches."""

    def __init__(self, config: DCGANConfig):
        super().__init__()
        self.config = config
        self.generator = Generator(config)
        self.discriminator = Discriminator(config)

    def condition(self, batch: Batch) -> torch.Tensor | None:
        return batch[1] if self.config.num_classes else None

    def generate(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """(B, noise_dim) noise (and (B,) labels if conditional) -> (B, 1, S, S) images."""
        if (labels is None) != (self.config.num_classes == 0):
            raise ValueError("a conditional DCGAN needs labels; a plain one takes none")
        return self.generator(z, labels)

    def score(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.discriminator(x, labels)
