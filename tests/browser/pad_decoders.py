"""Every kind of decoder the latent pad sends to a browser, built alike by the parity test's page and by the test:
fresh seeded models of each architecture, and the pretrained models the pages start from."""

import re

from torch import nn

from playground.models.dcgan import DCGAN
from playground.pretrain import load_pretrained
from tests.test_decoder_export import DECODERS as ARCHITECTURES

PRETRAINED = {  # pad key: (pretrained file, digit of a conditional generator)
    "pretrained-vae-mnist": ("vae_mnist_2d", None), "pretrained-vae-digits": ("vae_digits_2d", None),
    "pretrained-ae-mnist": ("ae_mnist", None), "pretrained-dcgan-mnist": ("gan_dcgan_mnist", None),
    "pretrained-cgan-mnist-3": ("gan_cgan_mnist", 3), "pretrained-dcgan-digits": ("gan_dcgan_digits8", None),
    "pretrained-cgan-digits-7": ("gan_cgan_digits8", 7),
}
KEYS = {re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-"): name for name in ARCHITECTURES}
DECODERS = [*KEYS, *PRETRAINED]  # pad keys


def built(key: str) -> tuple[nn.Module, int | None]:
    """The model behind pad `key` (in eval mode) and its digit label, if it is a conditional generator."""
    if key in PRETRAINED:
        name, label = PRETRAINED[key]
        return load_pretrained(name).eval(), label
    return ARCHITECTURES[KEYS[key]]().eval(), None


def latent_size(model: nn.Module) -> int:
    return model.config.noise_dim if isinstance(model, DCGAN) else model.config.latent_dim
