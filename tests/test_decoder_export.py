"""Decoder programs for the browser, proved against PyTorch: a NumPy reading of the packed JSON (what
latent_pad.js computes, layer by layer) must give the model's own images for every decoder the pad serves."""

import base64

import numpy as np
import pytest
import torch

from playground import decoder_export
from playground.models.autoencoder import Autoencoder, AutoencoderConfig
from playground.models.dcgan import DCGAN, DCGANConfig
from playground.models.vae import VAE, VAEConfig
from playground.seeding import seeded
from playground.vae_lessons import decode

TOLERANCE = 1e-5  # the browser test asks < 1e-4 of the JavaScript; NumPy in float64 must do better


def conv_transpose(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, stride: int, padding: int,
                   output: tuple[int, ...]) -> np.ndarray:
    """Scatter form, as latent_pad.js: each input pixel adds weight[ci, :, ky, kx]·x at (iy·s − p + ky, ix·s − p + kx)."""
    channels, height, width = x.shape
    k = weight.shape[-1]
    full = np.zeros((output[0], (height - 1) * stride + k + output[1], (width - 1) * stride + k + output[2]))
    for ky in range(k):
        for kx in range(k):
            contribution = np.einsum("chw,co->ohw", x, weight[:, :, ky, kx])  # (out, H, W)
            full[:, ky : ky + stride * height : stride, kx : kx + stride * width : stride] += contribution
    return full[:, padding : padding + output[1], padding : padding + output[2]] + bias[:, None, None]


def run_packed(packed: dict, z: np.ndarray) -> np.ndarray:
    """The packed program on one code z: the same steps as latent_pad.js, in float64."""
    weights = np.frombuffer(base64.b64decode(packed["weights"]), dtype="<f4").astype(np.float64)
    x = np.asarray(z, np.float64)
    for layer in packed["layers"]:
        op, shape_in, shape_out = layer["op"], layer["input"], layer["output"]
        if op == "linear":
            matrix = weights[layer["weight"] : layer["bias"]].reshape(shape_out[0], shape_in[0])
            x = matrix @ x.ravel() + weights[layer["bias"] : layer["bias"] + shape_out[0]]
        elif op == "conv_transpose":
            size = shape_in[0] * shape_out[0] * layer["kernel"] ** 2
            kernel = weights[layer["weight"] : layer["weight"] + size].reshape(
                shape_in[0], shape_out[0], layer["kernel"], layer["kernel"])
            bias = weights[layer["bias"] : layer["bias"] + shape_out[0]]
            x = conv_transpose(x.reshape(shape_in), kernel, bias, layer["stride"], layer["padding"], shape_out)
        else:
            x = {"relu": lambda v: np.maximum(v, 0), "sigmoid": lambda v: 1 / (1 + np.exp(-v)), "tanh": np.tanh,
                 "elu": lambda v: np.where(v > 0, v, layer.get("alpha", 1.0) * np.expm1(np.minimum(v, 0)))}[op](x)
    return x.reshape(packed["image"])


def trained_batch_norm(model: DCGAN) -> DCGAN:
    """Running statistics far from (0, 1), as after training, so that folding them is really tested."""
    generator = torch.Generator().manual_seed(1)
    for norm in (m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)):
        norm.running_mean.copy_(torch.randn(norm.num_features, generator=generator))
        norm.running_var.copy_(torch.rand(norm.num_features, generator=generator) + 0.5)
        norm.weight.data.copy_(torch.randn(norm.num_features, generator=generator))
        norm.bias.data.copy_(torch.randn(norm.num_features, generator=generator))
    return model


def built(model_class, config):
    return seeded(model_class, config)(torch.Generator().manual_seed(0))


DECODERS = {
    "VAE dense 28": lambda: built(VAE, VAEConfig()),
    "VAE conv 28, k = 5": lambda: built(VAE, VAEConfig(architecture="conv", latent_dim=5)),
    "AE dense, elu": lambda: built(Autoencoder, AutoencoderConfig(activation="elu", hidden_sizes=(64, 16))),
    "AE conv 8, tanh": lambda: built(Autoencoder, AutoencoderConfig(input_shape=(1, 8, 8), architecture="conv",
                                                                    activation="tanh", latent_dim=3)),
    "AE linear": lambda: built(Autoencoder, AutoencoderConfig(architecture="linear", output="identity")),
    "DCGAN 28": lambda: trained_batch_norm(built(DCGAN, DCGANConfig(width=8))),
    "DCGAN 8": lambda: trained_batch_norm(built(DCGAN, DCGANConfig(image_size=8))),
}


def torch_images(model, z: np.ndarray, label: int | None = None) -> np.ndarray:
    if isinstance(model, DCGAN):
        model.eval()
        labels = None if label is None else torch.full((len(z),), label)
        with torch.no_grad():
            return model.generate(torch.from_numpy(z), labels)[:, 0].numpy()
    return decode(model, z)


@pytest.mark.parametrize("name", DECODERS)
def test_the_packed_program_decodes_like_the_model(name):
    model = DECODERS[name]()
    program = decoder_export.decoder_program(model)
    z = np.random.default_rng(0).standard_normal((4, program.latent_dim)).astype(np.float32) * 2
    expected = torch_images(model, z)
    packed = decoder_export.packed(program)
    assert packed["image"] == list(expected.shape[1:])
    for code, image in zip(z, expected):
        assert np.abs(run_packed(packed, code) - image).max() < TOLERANCE, name


def test_a_conditional_generator_is_one_program_per_digit():
    model = trained_batch_norm(built(DCGAN, DCGANConfig(image_size=8, num_classes=10)))
    z = np.random.default_rng(1).standard_normal((3, 32)).astype(np.float32)
    for digit in (0, 7):
        packed = decoder_export.packed(decoder_export.decoder_program(model, digit))
        assert packed["latent_dim"] == 32
        for code, image in zip(z, torch_images(model, z, digit)):
            assert np.abs(run_packed(packed, code) - image).max() < TOLERANCE
    with pytest.raises(ValueError, match="digit label"):
        decoder_export.decoder_program(model)


def test_batch_norm_is_folded_away():
    program = decoder_export.decoder_program(DECODERS["DCGAN 8"]())
    assert [layer.op for layer in program.layers] == ["linear", "relu", "conv_transpose", "relu", "conv_transpose",
                                                     "sigmoid"]


def test_decoders_a_browser_cannot_run_are_refused_with_a_reason():
    wide = built(Autoencoder, AutoencoderConfig(hidden_sizes=(2048, 2048)))
    with pytest.raises(ValueError, match="at most"):
        decoder_export.decoder_program(wide)
    points = built(Autoencoder, AutoencoderConfig(input_shape=(3,), architecture="linear", output="identity"))
    with pytest.raises(ValueError, match="grey image"):
        decoder_export.decoder_program(points)
    with pytest.raises(ValueError, match="no browser decoder"):
        decoder_export.decoder_program(torch.nn.Linear(2, 2))
