"""Weights drawn from a run's own generator: deterministic, torch's distributions, every family covered."""

import math

import pytest
import torch
from torch import nn

from playground.models.autoencoder import Autoencoder, AutoencoderConfig
from playground.models.dcgan import DCGAN, DCGANConfig
from playground.models.gan import GAN, GANConfig
from playground.models.rnn import RNNConfig, SequenceModel
from playground.models.vae import VAE, VAEConfig
from playground.models.word2vec import Word2Vec, Word2VecConfig
from playground.seeding import seeded

FAMILIES = {
    "dense AE": (Autoencoder, AutoencoderConfig()),
    "conv AE": (Autoencoder, AutoencoderConfig(architecture="conv")),
    "conv VAE": (VAE, VAEConfig(architecture="conv")),
    "2-D GAN": (GAN, GANConfig()),
    "conditional DCGAN": (DCGAN, DCGANConfig(image_size=8, num_classes=10)),
    "LSTM": (SequenceModel, RNNConfig(cell="LSTM", keep_gate_bias=4.0)),
    "word2vec": (Word2Vec, Word2VecConfig(100, 16)),
}


def build(model_class, config, seed: int) -> nn.Module:
    return seeded(model_class, config)(torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_builds_the_same_weights_from_the_same_seed(family):
    model_class, config = FAMILIES[family]
    a, b, c = build(model_class, config, 7), build(model_class, config, 7), build(model_class, config, 8)
    for (name, x), y, z in zip(a.state_dict().items(), b.state_dict().values(), c.state_dict().values()):
        assert torch.equal(x, y), name
        assert torch.isfinite(x).all(), name
    assert any(not torch.equal(x, z) for x, z in zip(a.parameters(), c.parameters()))


def test_linear_and_lstm_weights_follow_torchs_default_bounds():
    layer = build(lambda _: nn.Linear(400, 300), None, 0)
    bound = 1 / math.sqrt(400)
    assert layer.weight.abs().max() <= bound and layer.bias.abs().max() <= bound
    assert layer.weight.std().item() == pytest.approx(bound / math.sqrt(3), rel=0.02)  # U(−b, b) has std b/√3
    lstm = build(lambda _: nn.LSTM(3, 64), None, 0)
    assert all(p.abs().max() <= 1 / 8 for p in lstm.parameters())


def test_custom_initialisation_survives_seeding():
    lstm = build(SequenceModel, RNNConfig(cell="LSTM", hidden_size=8, keep_gate_bias=4.0), 0)
    assert torch.all(lstm.rnn.bias_ih_l0[8:16] == 4.0)  # the forget gate's bias, set by init_weights
    words = build(Word2Vec, Word2VecConfig(50, 10), 0)
    assert torch.all(words.output_vectors.weight == 0) and words.input_vectors.weight.abs().max() <= 0.05
    dcgan = build(DCGAN, DCGANConfig(image_size=8), 0)
    norm = dcgan.generator.project[2]
    assert torch.all(norm.running_var == 1) and torch.all(norm.weight == 1)


def test_an_unknown_layer_is_refused_rather_than_left_uninitialised():
    class Scale(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.factor = nn.Parameter(torch.ones(3))

    with pytest.raises(TypeError, match="does not know how to initialise Scale"):
        build(Scale, None, 0)
