r"""A decoder as a flat program of layers that a browser can run, so an image can follow the pointer.

The latent pad (ui/components/latent_pad.py) decodes z in the browser on every pointer move:
the server sends the decoder's weights once per model version and hears of z only on release.
This module turns a decoder into that program: affine layers (linear, transposed convolution)
and element-wise activations, in order, every weight in float32.

Batch norm at inference is an affine map per channel, so it is folded into the layer before it
(Ioffe & Szegedy 2015, eval mode):

.. math::
    \mathrm{BN}(Wx + b) = s \odot (Wx + b - \mu) + \beta = (s \odot W)\,x + s \odot (b - \mu) + \beta,
    \qquad s = \gamma / \sqrt{\sigma^2 + \epsilon}

A conditional generator reads [z, one_hot(y)]; for one digit y the one-hot part of its first
linear layer is a constant column, so it joins the bias: W [z; e_y] + b = W_z z + (b + W_{:,y}).
"""

import base64
import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
import torch
from torch import nn

from playground.models.autoencoder import Autoencoder
from playground.models.dcgan import DCGAN
from playground.models.vae import VAE

ACTIVATIONS = {nn.ReLU: "relu", nn.ELU: "elu", nn.Tanh: "tanh", nn.Sigmoid: "sigmoid"}
AFFINE = ("linear", "conv_transpose")
MAX_PARAMETERS = 2_000_000  # floats sent to a browser (8 MB); a larger decoder stays on the server


@dataclass(frozen=True)
class Layer:
    """One step of a decoder program: an affine map or an element-wise activation."""

    op: str  # "linear", "conv_transpose" or a value of ACTIVATIONS
    input_shape: tuple[int, ...]  # what it reads: (n,) or (C, H, W)
    weight: np.ndarray | None = None  # linear (out, in); conv_transpose (in_channels, out_channels, k, k)
    bias: np.ndarray | None = None  # (out,) or (out_channels,)
    stride: int = 1  # conv_transpose only, as the next two
    padding: int = 0
    output_padding: int = 0
    alpha: float = 1.0  # ELU's α

    @property
    def output_shape(self) -> tuple[int, ...]:
        if self.op == "linear":
            return (len(self.bias),)
        if self.op == "conv_transpose":
            channels, height, width = self.input_shape
            k = self.weight.shape[-1]
            side = [(n - 1) * self.stride - 2 * self.padding + k + self.output_padding for n in (height, width)]
            return (self.weight.shape[1], *side)
        return self.input_shape


@dataclass(frozen=True)
class DecoderProgram:
    """z (latent_dim,) -> a grey image (height, width): the layers run in order on a flat float32 vector."""

    latent_dim: int
    layers: tuple[Layer, ...]
    output_shape: tuple[int, ...]  # the last layer's output, unflattened: (1, H, W) for an image

    @property
    def image_shape(self) -> tuple[int, int]:
        return self.output_shape[-2:]

    @property
    def parameters(self) -> int:
        return sum(layer.weight.size + layer.bias.size for layer in self.layers if layer.op in AFFINE)


def decoder_program(model: nn.Module, label: int | None = None) -> DecoderProgram:
    """The decoder of a VAE (with its sigmoid) or an image autoencoder, or a DCGAN's generator (for digit
    `label` if it is conditional), as a program; ValueError if it has a layer a browser cannot run or is too big."""
    if isinstance(model, VAE):
        program = program_of([*model.decoder, nn.Sigmoid()], model.config.latent_dim)
    elif isinstance(model, Autoencoder):
        program = program_of(model.decoder, model.config.latent_dim)
    elif isinstance(model, DCGAN):
        config = model.config
        program = program_of([model.generator.project, model.generator.upsample], config.noise_dim + config.num_classes)
        if config.num_classes:
            program = one_digit(program, config.noise_dim, label)
    else:
        raise ValueError(f"no browser decoder for a {type(model).__name__}")
    if len(program.output_shape) != 3 or program.output_shape[0] != 1:
        raise ValueError("the decoder must end in one grey image (1, H, W)")
    if program.parameters > MAX_PARAMETERS:
        raise ValueError(f"the decoder has {program.parameters:,} weights; a browser gets at most {MAX_PARAMETERS:,}")
    return program


def program_of(modules: Iterable[nn.Module], latent_dim: int) -> DecoderProgram:
    """The layers of `modules` (nested Sequentials flattened) applied to a (latent_dim,) vector."""
    layers: list[Layer] = []
    shape: tuple[int, ...] = (latent_dim,)
    for module in _flattened(modules):
        if isinstance(module, nn.Linear):
            layers.append(Layer("linear", (math.prod(shape),), _array(module.weight), _bias(module, module.out_features)))
            shape = layers[-1].output_shape
        elif isinstance(module, nn.ConvTranspose2d):
            layers.append(_conv_transpose(module, shape))
            shape = layers[-1].output_shape
        elif isinstance(module, nn.BatchNorm1d | nn.BatchNorm2d):
            layers[-1] = _folded(layers[-1], module, shape)
        elif isinstance(module, nn.Unflatten | nn.Flatten):  # the vector's layout (C, H, W row-major) stays
            flat = math.prod(shape)
            shape = tuple(module.unflattened_size) if isinstance(module, nn.Unflatten) else (flat,)
            if math.prod(shape) != flat:
                raise ValueError(f"cannot unflatten {flat} values into {shape}")
        elif type(module) in ACTIVATIONS:
            layers.append(Layer(ACTIVATIONS[type(module)], shape, alpha=float(getattr(module, "alpha", 1.0))))
        elif not isinstance(module, nn.Identity):
            raise ValueError(f"a browser decoder cannot run {type(module).__name__}")
    return DecoderProgram(latent_dim, tuple(layers), shape)


def one_digit(program: DecoderProgram, noise_dim: int, label: int | None) -> DecoderProgram:
    """A conditional generator's program for one digit: its one-hot input columns join the first bias."""
    first = program.layers[0]
    classes = first.weight.shape[1] - noise_dim
    if label is None or not 0 <= label < classes:
        raise ValueError(f"a conditional generator needs a digit label between 0 and {classes - 1}")
    weight, bias = first.weight[:, :noise_dim], first.bias + first.weight[:, noise_dim + label]
    layer = replace(first, input_shape=(noise_dim,), weight=np.ascontiguousarray(weight), bias=bias.astype(np.float32))
    return replace(program, latent_dim=noise_dim, layers=(layer, *program.layers[1:]))


def packed(program: DecoderProgram) -> dict:
    """JSON for the browser: each layer's op, shapes and options, and all weights as one base64 string of
    little-endian float32, each layer pointing into it by offset (in floats)."""
    chunks, offset, layers = [], 0, []
    for layer in program.layers:
        entry: dict = {"op": layer.op, "input": list(layer.input_shape), "output": list(layer.output_shape)}
        if layer.op == "elu":
            entry["alpha"] = layer.alpha
        if layer.op in AFFINE:
            entry |= {"weight": offset, "bias": offset + layer.weight.size}
            chunks += [layer.weight.ravel(), layer.bias.ravel()]
            offset += layer.weight.size + layer.bias.size
        if layer.op == "conv_transpose":
            entry |= {"kernel": layer.weight.shape[-1], "stride": layer.stride, "padding": layer.padding}
        layers.append(entry)
    weights = np.concatenate(chunks).astype("<f4").tobytes() if chunks else b""
    return {"latent_dim": program.latent_dim, "image": list(program.image_shape), "layers": layers,
            "weights": base64.b64encode(weights).decode("ascii")}


def _flattened(modules: Iterable[nn.Module]) -> list[nn.Module]:
    flat = []
    for module in modules:
        flat += _flattened(module) if isinstance(module, nn.Sequential) else [module]
    return flat


def _array(tensor: torch.Tensor) -> np.ndarray:
    return tensor.detach().cpu().numpy().astype(np.float32)


def _bias(module: nn.Module, size: int) -> np.ndarray:
    return np.zeros(size, np.float32) if module.bias is None else _array(module.bias)


def _conv_transpose(module: nn.ConvTranspose2d, shape: tuple[int, ...]) -> Layer:
    square = {name: set(getattr(module, name)) for name in ("kernel_size", "stride", "padding", "output_padding")}
    if len(shape) != 3 or any(len(values) != 1 for values in square.values()) or module.groups != 1 \
            or set(module.dilation) != {1}:
        raise ValueError("a browser decoder runs square, ungrouped, undilated transposed convolutions on (C, H, W)")
    stride, padding, output_padding = (square[name].pop() for name in ("stride", "padding", "output_padding"))
    return Layer("conv_transpose", shape, _array(module.weight), _bias(module, module.out_channels), stride, padding,
                 output_padding)


def _folded(layer: Layer, norm: nn.BatchNorm1d | nn.BatchNorm2d, shape: tuple[int, ...]) -> Layer:
    """`layer` followed by eval-mode batch norm over the channels of `shape`, as one affine layer."""
    if layer.op not in AFFINE or norm.running_mean is None:
        raise ValueError("batch norm must follow a linear or transposed-convolution layer and keep running statistics")
    scale = _array(norm.weight).astype(np.float64) / np.sqrt(_array(norm.running_var).astype(np.float64) + norm.eps)
    shift = _array(norm.bias) - scale * _array(norm.running_mean)  # per channel: BN(v) = scale·v + shift
    if layer.op == "linear":  # each output unit belongs to channel unit // (H·W) of the unflattened shape
        per_unit = math.prod(shape[1:])
        scale, shift = np.repeat(scale, per_unit), np.repeat(shift, per_unit)
        weight = layer.weight * scale[:, None]
    else:
        weight = layer.weight * scale[None, :, None, None]
    return replace(layer, weight=weight.astype(np.float32), bias=(scale * layer.bias + shift).astype(np.float32))

